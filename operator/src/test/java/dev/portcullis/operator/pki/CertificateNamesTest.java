package dev.portcullis.operator.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Subject alternative names are taken as written: IP literals as IPs, names as names, nothing resolved. */
class CertificateNamesTest {

  @Test
  void ipLiteralsAndNamesThatLookLikeThemStayApart() throws Exception {
    CertificateAuthority ca = CertificateAuthority.generate("test-ca", Duration.ofDays(1), Clock.systemUTC());
    CertificateAuthority.Issued issued = ca.issueServer("route", List.of("10-0-0-5.nip.io"),
        List.of("10.0.0.5", "fd00::5"), Duration.ofHours(1));
    List<String> names = new ArrayList<>();
    for (List<?> san : issued.certificate().getSubjectAlternativeNames()) {
      names.add(san.get(0) + ":" + san.get(1));
    }
    assertThat(names).containsExactlyInAnyOrder("2:10-0-0-5.nip.io", "7:10.0.0.5", "7:fd00:0:0:0:0:0:0:5");
    assertThatThrownBy(() -> ca.issueServer("route", List.of(), List.of("10-0-0-5.nip.io"), Duration.ofHours(1)))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("not an IP address literal");
  }
}

package dev.portcullis.operator.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The small certificate authority behind the push stream's mutual TLS: it signs the route
 * server's certificate and the data planes' client certificates, and nothing else. Keys are
 * ECDSA P-256.
 */
public final class CertificateAuthority {

  /** A certificate and its private key. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    public String certificatePem() {
      return Pem.encode(certificate);
    }

    public String keyPem() {
      return Pem.encode(key);
    }

    /** True when less than {@code fraction} of the validity period remains. */
    public boolean expiresSoon(Clock clock, double fraction) {
      long total = certificate.getNotAfter().getTime() - certificate.getNotBefore().getTime();
      long left = certificate.getNotAfter().getTime() - clock.millis();
      return left < total * fraction;
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration BACKDATE = Duration.ofMinutes(5);

  private final Issued ca;
  private final Clock clock;

  private CertificateAuthority(Issued ca, Clock clock) {
    this.ca = ca;
    this.clock = clock;
  }

  /** A new self-signed CA. */
  public static CertificateAuthority generate(String commonName, Duration validity, Clock clock)
      throws GeneralSecurityException {
    KeyPair keys = newKeyPair();
    X500Name name = new X500Name("CN=" + commonName);
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(BACKDATE)),
          Date.from(now.plus(validity)), name, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateAuthority(new Issued(sign(b, keys.getPrivate()), keys.getPrivate()), clock);
    } catch (IOException e) {
      throw new GeneralSecurityException("building the CA certificate failed", e);
    }
  }

  /** A CA from its PEM certificate and key (for instance read from a Secret). */
  public static CertificateAuthority load(String certificatePem, String keyPem, Clock clock)
      throws IOException, GeneralSecurityException {
    X509Certificate cert = Pem.certificates(certificatePem).get(0);
    PrivateKey key = Pem.privateKey(keyPem);
    if (cert.getBasicConstraints() < 0) {
      throw new GeneralSecurityException("the certificate is not a CA (basicConstraints CA:false)");
    }
    return new CertificateAuthority(new Issued(cert, key), clock);
  }

  public Issued ca() {
    return ca;
  }

  public X509Certificate certificate() {
    return ca.certificate();
  }

  /** A server certificate for these DNS names and IP addresses. */
  public Issued issueServer(String commonName, List<String> dnsNames, List<String> ipAddresses, Duration validity)
      throws GeneralSecurityException {
    List<GeneralName> names = new ArrayList<>();
    dnsNames.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
    for (String ip : ipAddresses) {
      // A literal, never resolved: a name here would silently become whatever DNS says.
      if (!org.bouncycastle.util.IPAddress.isValid(ip)) {
        throw new GeneralSecurityException("not an IP address literal: " + ip);
      }
      names.add(new GeneralName(GeneralName.iPAddress, ip));
    }
    return issue(commonName, names, KeyPurposeId.id_kp_serverAuth, validity);
  }

  /** A client certificate, as data planes present to the route server. */
  public Issued issueClient(String commonName, Duration validity) throws GeneralSecurityException {
    return issue(commonName, List.of(), KeyPurposeId.id_kp_clientAuth, validity);
  }

  private Issued issue(String commonName, List<GeneralName> names, KeyPurposeId purpose, Duration validity)
      throws GeneralSecurityException {
    KeyPair keys = newKeyPair();
    Instant now = clock.instant();
    Instant notAfter = now.plus(validity);
    if (notAfter.isAfter(ca.certificate().getNotAfter().toInstant())) {
      notAfter = ca.certificate().getNotAfter().toInstant();
    }
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), serial(),
          Date.from(now.minus(BACKDATE)), Date.from(notAfter), new X500Name("CN=" + commonName), keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate()))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      if (!names.isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
      }
      return new Issued(sign(b, ca.key()), keys.getPrivate());
    } catch (IOException e) {
      throw new GeneralSecurityException("building the certificate failed", e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws GeneralSecurityException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("no ECDSA signer", e);
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }
}

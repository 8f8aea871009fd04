package dev.portcullis.dataplane.tls;

import dev.portcullis.model.Certificate;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates made in the test: a CA and the leaves it signs, EC or RSA. */
public final class TestPki {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A certificate and its key. */
  public record Issued(X509Certificate cert, PrivateKey key, X509Certificate issuer) {

    /** As the route model carries it: the chain (leaf, then the CA) and a PKCS#8 key. */
    public Certificate pem() {
      String chain = TestPki.pem(cert) + (issuer == null || issuer.equals(cert) ? "" : TestPki.pem(issuer));
      return new Certificate(chain, "-----BEGIN PRIVATE KEY-----\n" + base64(key.getEncoded())
          + "\n-----END PRIVATE KEY-----\n");
    }

    /** The fingerprint the translator would give the chain. */
    public String fingerprint() {
      try {
        var sha = java.security.MessageDigest.getInstance("SHA-256");
        sha.update(cert.getEncoded());
        if (issuer != null && !issuer.equals(cert)) {
          sha.update(issuer.getEncoded());
        }
        return HexFormat.of().formatHex(sha.digest());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    public String certPem() {
      return TestPki.pem(cert);
    }

    public String subject() {
      return cert.getSubjectX500Principal().getName();
    }
  }

  private final KeyPair caKeys;
  private final X509Certificate ca;

  public TestPki(String name) {
    try {
      caKeys = ec();
      X500Name subject = new X500Name("CN=" + name);
      Instant now = Instant.now();
      var b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(Duration.ofHours(1))),
          Date.from(now.plus(Duration.ofDays(30))), subject, caKeys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      ca = new JcaX509CertificateConverter().getCertificate(b.build(
          new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public X509Certificate ca() {
    return ca;
  }

  public String caPem() {
    return pem(ca);
  }

  /** A server certificate for these DNS names (the first is also the CN). */
  public Issued server(boolean rsa, String... dnsNames) {
    return issue(rsa, false, dnsNames);
  }

  /** A client certificate with this CN. */
  public Issued client(String commonName) {
    return issue(false, true, commonName);
  }

  private Issued issue(boolean rsa, boolean client, String... names) {
    try {
      KeyPair keys = rsa ? rsa() : ec();
      Instant now = Instant.now();
      var b = new JcaX509v3CertificateBuilder(new X500Name(ca.getSubjectX500Principal().getName()), serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(10))),
          new X500Name("CN=" + names[0]), keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      if (!client) {
        GeneralName[] sans = new GeneralName[names.length];
        for (int i = 0; i < names.length; i++) {
          sans[i] = new GeneralName(GeneralName.dNSName, names[i]);
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
      }
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(
          new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
      return new Issued(cert, keys.getPrivate(), ca);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048, RANDOM);
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(64, RANDOM).setBit(63);
  }

  /** A client context that takes any server certificate: these tests check which one is served, not trust. */
  public static javax.net.ssl.SSLContext trustingEverything() {
    try {
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(null, new javax.net.ssl.TrustManager[] {TRUST_ALL}, null);
      return ctx;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static final javax.net.ssl.X509TrustManager TRUST_ALL = new javax.net.ssl.X509TrustManager() {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  };

  public static String pem(X509Certificate cert) {
    try {
      return "-----BEGIN CERTIFICATE-----\n" + base64(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n";
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String base64(byte[] der) {
    return Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
  }
}

package dev.portcullis.translator.tls;

import dev.portcullis.model.Certificate;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.ObjectReport;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads and checks the {@code kubernetes.io/tls} Secrets hosts refer to: the certificate chain
 * parses, the private key parses (PKCS#8, PKCS#1 or SEC1; not encrypted) and belongs to the
 * certificate. What passes is handed on with the key as PKCS#8 and a fingerprint of the chain.
 * Each Secret is checked once per translation. No clock: expiry is the data plane's to report.
 */
public final class TlsSecrets {

  /** A usable certificate, or why it is not. */
  public record Result(Certificate certificate, String fingerprint, String problem, boolean missing) {
    public boolean ok() {
      return certificate != null;
    }

    /**
     * Reports why the certificate cannot be used. A Secret that does not exist yet is a warning:
     * cert-manager and the like create it after the Ingress, and the host serves meanwhile. One
     * that exists but is broken is an error.
     */
    public void report(ObjectReport report, String field, String consequence) {
      if (missing) {
        report.warning(field, "SecretNotFound", problem + "; " + consequence);
      } else {
        report.error(field, "InvalidCertificate", problem + "; " + consequence);
      }
    }
  }

  private final ClusterSnapshot snapshot;
  private final Map<String, ClusterSnapshot.Captured<Result>> cache = new HashMap<>();

  public TlsSecrets(ClusterSnapshot snapshot) {
    this.snapshot = snapshot;
  }

  /** CA certificates from a Secret's {@code ca.crt}, or why they cannot be had. */
  public record CaBundle(String pem, String problem, boolean missing) {
    public boolean ok() {
      return pem != null;
    }
  }

  private final Map<String, ClusterSnapshot.Captured<CaBundle>> caCache = new HashMap<>();

  /**
   * The CA certificates in the {@code ca.crt} of a Secret of any type (a {@code kubernetes.io/tls}
   * one made by cert-manager has it, or a generic one made for the purpose), re-encoded as PEM.
   */
  public CaBundle caBundle(String namespace, String name) {
    return snapshot.cached(caCache, namespace + "/" + name, () -> {
      Secret secret = snapshot.secret(namespace, name).orElse(null);
      String what = "Secret " + namespace + "/" + name;
      if (secret == null) {
        return new CaBundle(null, what + " not found", true);
      }
      String pem = field(secret, "ca.crt");
      if (pem == null || pem.isBlank()) {
        return new CaBundle(null, what + " has no ca.crt", false);
      }
      try {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (var c : CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
          out.append(pem(c.getEncoded(), "CERTIFICATE"));
          n++;
        }
        if (n == 0) {
          return new CaBundle(null, what + ": ca.crt holds no certificate", false);
        }
        return new CaBundle(out.toString(), null, false);
      } catch (Exception e) {
        return new CaBundle(null, what + ": ca.crt is not PEM certificates (" + e.getMessage() + ")", false);
      }
    });
  }

  public Result resolve(String namespace, String name) {
    return snapshot.cached(cache, namespace + "/" + name, () -> doResolve(namespace, name));
  }

  private Result doResolve(String namespace, String name) {
    Secret secret = snapshot.secret(namespace, name).orElse(null);
    if (secret == null) {
      return new Result(null, null, "Secret " + namespace + "/" + name + " not found (a certificate must be a Secret "
          + "of type " + ClusterSnapshot.TLS_SECRET_TYPE + ")", true);
    }
    if (!ClusterSnapshot.TLS_SECRET_TYPE.equals(secret.getType())) {
      return fail("Secret " + namespace + "/" + name + " is of type " + secret.getType() + "; a certificate must be "
          + "a Secret of type " + ClusterSnapshot.TLS_SECRET_TYPE);
    }
    String chainPem = field(secret, "tls.crt");
    String keyPem = field(secret, "tls.key");
    if (chainPem == null || keyPem == null) {
      return fail("Secret " + namespace + "/" + name + " needs both tls.crt and tls.key");
    }
    return check(chainPem, keyPem, "Secret " + namespace + "/" + name);
  }

  /** Checks a PEM chain and key; {@code what} names them in problems. */
  public static Result check(String chainPem, String keyPem, String what) {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (var c : cf.generateCertificates(new ByteArrayInputStream(chainPem.getBytes(StandardCharsets.US_ASCII)))) {
        chain.add((X509Certificate) c);
      }
    } catch (Exception e) {
      return fail(what + ": tls.crt is not a PEM certificate chain (" + e.getMessage() + ")");
    }
    if (chain.isEmpty()) {
      return fail(what + ": tls.crt holds no certificate");
    }
    PrivateKey key;
    try (PEMParser parser = new PEMParser(new StringReader(keyPem))) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair pair) {
        key = converter.getPrivateKey(pair.getPrivateKeyInfo());
      } else if (o instanceof PrivateKeyInfo info) {
        key = converter.getPrivateKey(info);
      } else if (o == null) {
        return fail(what + ": tls.key holds no private key");
      } else {
        return fail(what + ": tls.key must be an unencrypted private key (found "
            + o.getClass().getSimpleName() + ")");
      }
    } catch (Exception e) {
      return fail(what + ": tls.key is not a PEM private key (" + e.getMessage() + ")");
    }
    if (!belongsTo(key, chain.get(0))) {
      return fail(what + ": tls.key does not belong to the first certificate of tls.crt");
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      StringBuilder pem = new StringBuilder();
      for (X509Certificate c : chain) {
        byte[] der = c.getEncoded();
        sha.update(der);
        pem.append(pem(der, "CERTIFICATE"));
      }
      String keyPkcs8 = pem(key.getEncoded(), "PRIVATE KEY");
      return new Result(new Certificate(pem.toString(), keyPkcs8), HexFormat.of().formatHex(sha.digest()), null,
          false);
    } catch (Exception e) {
      return fail(what + ": cannot be encoded (" + e.getMessage() + ")");
    }
  }

  /** Proves the key is the certificate's: a signature made with it verifies with the certificate. */
  private static boolean belongsTo(PrivateKey key, X509Certificate cert) {
    String alg = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (alg == null) {
      return false;
    }
    try {
      byte[] probe = "portcullis key check".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(cert.getPublicKey());
      v.update(probe);
      return v.verify(sig);
    } catch (Exception e) {
      return false;
    }
  }

  private static String field(Secret secret, String name) {
    if (secret.getStringData() != null && secret.getStringData().get(name) != null) {
      return secret.getStringData().get(name);
    }
    if (secret.getData() == null || secret.getData().get(name) == null) {
      return null;
    }
    try {
      return new String(Base64.getMimeDecoder().decode(secret.getData().get(name)), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String pem(byte[] der, String type) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static Result fail(String problem) {
    return new Result(null, null, problem, false);
  }
}

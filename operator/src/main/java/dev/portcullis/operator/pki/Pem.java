package dev.portcullis.operator.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** PEM encoding and decoding of certificates and private keys. */
public final class Pem {
  private Pem() {}

  /** PEM text of a certificate, or of a private key in PKCS#8 ({@code BEGIN PRIVATE KEY}), which every TLS stack reads. */
  public static String encode(Object certificateOrKey) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
      if (certificateOrKey instanceof PrivateKey key) {
        pem.writeObject(new JcaPKCS8Generator(key, null));
      } else {
        pem.writeObject(certificateOrKey);
      }
    } catch (IOException e) {
      throw new IllegalStateException("writing PEM to memory cannot fail", e);
    }
    return out.toString();
  }

  /** Every certificate in a PEM text, in order. */
  public static List<X509Certificate> certificates(String pem) throws IOException {
    List<X509Certificate> certs = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof X509CertificateHolder holder) {
          certs.add(new JcaX509CertificateConverter().getCertificate(holder));
        }
      }
    } catch (CertificateException e) {
      throw new IOException("not a valid certificate: " + e.getMessage(), e);
    }
    if (certs.isEmpty()) {
      throw new IOException("no certificate found in PEM text");
    }
    return certs;
  }

  /** The first private key in a PEM text (PKCS#8, or a traditional RSA/EC key pair). */
  public static PrivateKey privateKey(String pem) throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      while ((o = parser.readObject()) != null) {
        if (o instanceof PEMKeyPair pair) {
          KeyPair kp = converter.getKeyPair(pair);
          return kp.getPrivate();
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
    }
    throw new IOException("no private key found in PEM text");
  }
}

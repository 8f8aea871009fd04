package dev.portcullis.model;

/**
 * A host's certificate chain and private key, both PEM (the key as PKCS#8), as taken from a
 * {@code kubernetes.io/tls} Secret and checked by the translator. Travels only on the
 * authenticated push stream; its {@link #toString} never shows the key.
 *
 * @param chainPem      the certificate, then its intermediates
 * @param privateKeyPem the private key, PKCS#8 ({@code BEGIN PRIVATE KEY})
 */
public record Certificate(String chainPem, String privateKeyPem) {

  /** The name the default certificate travels under (served to clients that name no known host). */
  public static final String DEFAULT = "default";

  public Certificate {
    Checks.notBlank(chainPem, "chainPem");
    Checks.notBlank(privateKeyPem, "privateKeyPem");
  }

  /** How a Secret's certificate is named in a snapshot: {@code namespace/name}. */
  public static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  @Override
  public String toString() {
    return "Certificate[chain=" + chainPem.length() + " chars, key=<redacted>]";
  }
}

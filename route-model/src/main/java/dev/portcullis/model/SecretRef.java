package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A Secret whose content a route uses (a password file, a key set), by reference. The content
 * travels beside the table on the authenticated push stream, never in it: the table carries only
 * this reference and a fingerprint, so that a changed Secret is a changed table (and checksum)
 * while dumps show nothing a client could use.
 *
 * @param namespace   the Secret's namespace
 * @param name        the Secret's name
 * @param fingerprint SHA-256 (hex) of the {@link Credential} made from it, or null when the Secret is
 *                    missing or unusable: what depends on it then refuses every request (503)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SecretRef(String namespace, String name, String fingerprint) {

  public SecretRef {
    Checks.notBlank(namespace, "namespace");
    Checks.notBlank(name, "name");
    if (fingerprint != null && !fingerprint.matches("[0-9a-f]{64}")) {
      throw new ModelException("fingerprint", "must be a SHA-256 in lower-case hex");
    }
  }

  /** The key its credential travels under in a snapshot: {@code kind:namespace/name}. */
  public String credentialKey(String kind) {
    return kind + ":" + namespace + "/" + name;
  }
}

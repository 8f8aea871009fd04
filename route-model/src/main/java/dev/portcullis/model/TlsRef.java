package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The certificate a virtual host is to be served with: a {@code kubernetes.io/tls} Secret, by
 * reference. The key material itself never travels in the route table's dumps.
 *
 * @param namespace the Secret's namespace
 * @param name      the Secret's name
 * @param source    the object and field that asked for it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TlsRef(String namespace, String name, SourceRef source) {

  public TlsRef {
    Checks.notBlank(namespace, "namespace");
    Checks.notBlank(name, "name");
  }
}

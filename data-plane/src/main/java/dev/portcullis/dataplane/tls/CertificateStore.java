package dev.portcullis.dataplane.tls;

import dev.portcullis.model.Certificate;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.TlsRef;
import dev.portcullis.model.VirtualHost;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which certificate each server name gets: the exact host's, else the wildcard's (one more label),
 * else the default certificate. Immutable; built off the event loop with each route table and
 * swapped in whole, so a renewed certificate serves the next handshake without a restart.
 */
public final class CertificateStore {

  private final Map<String, TlsMaterial> exact;
  private final Map<String, TlsMaterial> wildcard;
  private final TlsMaterial fallback;
  private final Map<String, TlsMaterial> byAlias;
  /** Each certificate by the Secret it came from ({@code namespace/name}), the default one as {@code default}. */
  private final Map<String, TlsMaterial> named;

  private CertificateStore(Map<String, TlsMaterial> exact, Map<String, TlsMaterial> wildcard, TlsMaterial fallback) {
    this(exact, wildcard, fallback, Map.of());
  }

  private CertificateStore(Map<String, TlsMaterial> exact, Map<String, TlsMaterial> wildcard, TlsMaterial fallback,
      Map<String, TlsMaterial> named) {
    Map<String, TlsMaterial> names = new HashMap<>(named);
    names.put(Certificate.DEFAULT, fallback);
    this.named = Map.copyOf(names);
    this.exact = Map.copyOf(exact);
    this.wildcard = Map.copyOf(wildcard);
    this.fallback = fallback;
    Map<String, TlsMaterial> aliases = new HashMap<>();
    exact.values().forEach(m -> aliases.put(m.alias(), m));
    wildcard.values().forEach(m -> aliases.put(m.alias(), m));
    aliases.put(fallback.alias(), fallback);
    this.byAlias = Map.copyOf(aliases);
  }

  /** Only the default certificate. */
  public static CertificateStore of(TlsMaterial fallback) {
    return new CertificateStore(Map.of(), Map.of(), fallback);
  }

  /**
   * The store for a table: each host with a usable certificate (its TlsRef carries a fingerprint)
   * gets the material of that fingerprint, parsed once and reused from {@code previous} when the
   * certificate did not change.
   *
   * @param certificates the snapshot's key material, by {@link Certificate#key}, and under
   *                     {@link Certificate#DEFAULT} the table's default certificate, when it names one
   * @param generated    the default certificate made at start
   * @throws ModelException when a host's certificate is missing from the snapshot or does not parse
   */
  public static CertificateStore build(RouteTable table, Map<String, Certificate> certificates, TlsMaterial generated,
      CertificateStore previous) {
    Map<String, TlsMaterial> parsed = new HashMap<>();
    Map<String, TlsMaterial> exact = new HashMap<>();
    Map<String, TlsMaterial> wildcard = new HashMap<>();
    for (VirtualHost vh : table.virtualHosts()) {
      TlsRef tls = vh.tls();
      if (tls == null || tls.fingerprint() == null || vh.isCatchAll()) {
        continue;
      }
      String key = tls.certificateKey();
      TlsMaterial m = parsed.computeIfAbsent(key, k -> material(tls.fingerprint(), certificates.get(k),
          "certificates[" + k + "]", previous));
      if (vh.isWildcard()) {
        wildcard.put(vh.hostname().substring(2), m);
      } else {
        exact.put(vh.hostname(), m);
      }
    }
    TlsMaterial fallback = generated;
    TlsRef configured = table.defaultCertificate();
    if (configured != null) {
      fallback = material(configured.fingerprint(), certificates.get(Certificate.DEFAULT),
          "certificates[" + Certificate.DEFAULT + "]", previous);
    }
    return new CertificateStore(exact, wildcard, fallback, parsed);
  }

  private static TlsMaterial material(String fingerprint, Certificate pem, String field, CertificateStore previous) {
    if (pem == null) {
      throw new ModelException(field, "is missing from the snapshot, but a host refers to it");
    }
    String alias = fingerprint;
    if (previous != null) {
      TlsMaterial known = previous.byAlias.get(alias);
      if (known != null) {
        return known;
      }
    }
    return TlsMaterial.parse(alias, pem, field);
  }


  /** The certificate for a server name from the client's SNI (null or empty: the default). */
  public TlsMaterial select(String serverName) {
    if (serverName == null || serverName.isEmpty()) {
      return fallback;
    }
    String name = serverName.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    TlsMaterial m = exact.get(name);
    if (m != null) {
      return m;
    }
    int dot = name.indexOf('.');
    if (dot > 0) {
      m = wildcard.get(name.substring(dot + 1));
      if (m != null) {
        return m;
      }
    }
    return fallback;
  }

  public TlsMaterial byAlias(String alias) {
    return byAlias.get(alias);
  }

  public TlsMaterial fallback() {
    return fallback;
  }

  /** Every certificate by the Secret it came from ({@code namespace/name}); the default one is {@code default}. */
  public Map<String, TlsMaterial> named() {
    return named;
  }

  /** Every certificate in the store, the default included, once each. */
  public Collection<TlsMaterial> all() {
    return byAlias.values();
  }
}

package dev.portcullis.dataplane.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Picks the server certificate of each handshake by the name the client asked for (SNI) from the
 * current {@link CertificateStore}. The store is read per handshake, so swapping it rotates
 * certificates without touching the listener; the alias is the chain's fingerprint, which stays
 * valid across a swap that happens mid-handshake (the store keeps the previous one too).
 *
 * <p>One key manager, one SSL context: no per-name contexts that a client sending random names
 * could make the server build and keep.
 */
public final class SniKeyManager extends X509ExtendedKeyManager {

  private final Supplier<CertificateStore> current;
  private volatile CertificateStore previous;

  public SniKeyManager(Supplier<CertificateStore> current) {
    this.current = current;
  }

  /** Called with the store being replaced, so that handshakes in progress still find their alias. */
  public void replaced(CertificateStore old) {
    previous = old;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    TlsMaterial m = current.get().select(serverName(engine == null ? null : engine.getHandshakeSession()));
    return m.serves(keyType) ? m.alias() : null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    TlsMaterial m = current.get().fallback();
    return m.serves(keyType) ? m.alias() : null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    TlsMaterial m = find(alias);
    return m == null ? null : m.chain().clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    TlsMaterial m = find(alias);
    return m == null ? null : m.key();
  }

  private TlsMaterial find(String alias) {
    TlsMaterial m = current.get().byAlias(alias);
    if (m == null) {
      CertificateStore old = previous;
      m = old == null ? null : old.byAlias(alias);
    }
    return m;
  }

  /** The host name the client sent in its ClientHello, or null. */
  public static String serverName(SSLSession handshake) {
    if (!(handshake instanceof ExtendedSSLSession session)) {
      return null;
    }
    List<SNIServerName> names = session.getRequestedServerNames();
    for (SNIServerName n : names) {
      if (n.getType() != StandardConstants.SNI_HOST_NAME) {
        continue;
      }
      if (n instanceof SNIHostName host) {
        return host.getAsciiName();
      }
      try {
        return new SNIHostName(n.getEncoded()).getAsciiName();
      } catch (IllegalArgumentException e) {
        return null; // not a host name: the default certificate
      }
    }
    return null;
  }

  // A server only: no client certificates of its own.
  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return current.get().all().stream().filter(m -> m.serves(keyType)).map(TlsMaterial::alias).toArray(String[]::new);
  }
}

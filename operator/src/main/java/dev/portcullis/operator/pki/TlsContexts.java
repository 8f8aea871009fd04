package dev.portcullis.operator.pki;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * SSL contexts built from in-memory certificates (no key stores on disk), whose identity can be
 * replaced while connections keep being accepted, so certificates rotate without a restart.
 */
public final class TlsContexts {
  private TlsContexts() {}

  /** An identity (certificate + key) and a trusted CA that can be swapped at any time. */
  public static final class Rotating {
    private final AtomicReference<X509ExtendedKeyManager> keys = new AtomicReference<>();
    private final AtomicReference<X509TrustManager> trust = new AtomicReference<>();
    private final SSLContext context;

    public Rotating(CertificateAuthority.Issued identity, X509Certificate trusted) throws GeneralSecurityException {
      update(identity, trusted);
      context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new DelegatingKeyManager(keys)}, new TrustManager[] {new DelegatingTrustManager(trust)},
          null);
    }

    public void update(CertificateAuthority.Issued identity, X509Certificate trusted) throws GeneralSecurityException {
      keys.set(keyManager(identity));
      trust.set(trustManager(trusted));
    }

    public SSLContext context() {
      return context;
    }
  }

  /** The leaf alone: the peer trusts the CA directly, so no intermediate needs sending. */
  private static X509ExtendedKeyManager keyManager(CertificateAuthority.Issued identity) throws GeneralSecurityException {
    char[] password = new char[0];
    KeyStore store = emptyStore();
    store.setKeyEntry("identity", identity.key(), password, new Certificate[] {identity.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    for (KeyManager km : kmf.getKeyManagers()) {
      if (km instanceof X509ExtendedKeyManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X.509 key manager");
  }

  private static X509TrustManager trustManager(X509Certificate trusted) throws GeneralSecurityException {
    KeyStore store = emptyStore();
    store.setCertificateEntry("ca", trusted);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager");
  }

  private static KeyStore emptyStore() throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    return store;
  }

  private static final class DelegatingKeyManager extends X509ExtendedKeyManager {
    private final AtomicReference<X509ExtendedKeyManager> delegate;

    DelegatingKeyManager(AtomicReference<X509ExtendedKeyManager> delegate) {
      this.delegate = delegate;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return delegate.get().getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return delegate.get().chooseClientAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return delegate.get().chooseEngineClientAlias(keyType, issuers, engine);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return delegate.get().getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return delegate.get().chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return delegate.get().chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return delegate.get().getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return delegate.get().getPrivateKey(alias);
    }
  }

  private static final class DelegatingTrustManager implements X509TrustManager {
    private final AtomicReference<X509TrustManager> delegate;

    DelegatingTrustManager(AtomicReference<X509TrustManager> delegate) {
      this.delegate = delegate;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
      delegate.get().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
      delegate.get().checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.get().getAcceptedIssuers();
    }
  }
}

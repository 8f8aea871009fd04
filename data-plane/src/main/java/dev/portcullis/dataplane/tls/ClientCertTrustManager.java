package dev.portcullis.dataplane.tls;

import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The HTTPS listener's trust manager for client certificates. The handshake takes any
 * certificate (the client still proves it holds the key): which CA a certificate must chain to
 * depends on the host each request is for, and {@link ClientCertPolicy} checks that per request.
 * The CAs of every host that asks for certificates are announced, so that clients pick the
 * right one.
 */
public final class ClientCertTrustManager extends X509ExtendedTrustManager {

  private final Supplier<X509Certificate[]> authorities;

  public ClientCertTrustManager(Supplier<X509Certificate[]> authorities) {
    this.authorities = authorities;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    // Checked per request, against the CA of the host it is for.
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
    // As above.
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) {
    // As above.
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    throw new UnsupportedOperationException("a server-side trust manager");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
    throw new UnsupportedOperationException("a server-side trust manager");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) {
    throw new UnsupportedOperationException("a server-side trust manager");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return authorities.get().clone();
  }
}

package dev.portcullis.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A plain HTTP client for the integration tests (the JDK's), with the Host header allowed. */
final class Http {
  static {
    // Must be set before the JDK's client is first used; the failsafe configuration sets it too.
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  private static final Pattern BACKEND = Pattern.compile("\"backend\" : \"([^\"]+)\"");

  record Answer(int status, String body) {
    /** The echo backend that answered, or null. */
    String backend() {
      Matcher m = BACKEND.matcher(body);
      return m.find() ? m.group(1) : null;
    }
  }

  // HTTP/1.1: an h2 request whose Host differs from its :authority is malformed (RFC 9113 8.3.1).
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final int port;

  Http(int port) {
    this.port = port;
  }

  /**
   * A raw TLS connection to 127.0.0.1:{@code port} naming {@code sni}, taking any server
   * certificate: the tests check which certificate is served, not whether to trust it.
   */
  static javax.net.ssl.SSLSocket tls(int port, String sni) throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    }}, null);
    javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(5000);
    javax.net.ssl.SSLParameters p = s.getSSLParameters();
    p.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName(sni)));
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  Answer get(String host, String path) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10));
    if (host != null) {
      b.header("Host", host);
    }
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }
}

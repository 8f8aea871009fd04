package dev.portcullis.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One HTTP/1.1 request on its own connection, over plain TCP or TLS with a chosen SNI: what a
 * scenario needs to see exactly what the data plane answered (no client-side retries, redirects
 * or connection reuse in between).
 */
final class Http {
  private Http() {}

  static final Pattern BACKEND = Pattern.compile("\"backend\" : \"([^\"]+)\"");

  record Response(int status, Map<String, String> headers, String body, X509Certificate certificate) {
    /** The echo backend that answered, or the status when none did. */
    String backend() {
      Matcher m = BACKEND.matcher(body);
      return status == 200 && m.find() ? m.group(1) : Integer.toString(status);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  static Response get(String address, int port, String host, String path) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), 3000);
      return exchange(s, host, path, null);
    }
  }

  /** GET over TLS, with {@code sni} as the server name; the server's certificate is not checked, but returned. */
  static Response getTls(String address, int port, String sni, String host, String path) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {TRUST_ALL}, null);
    try (Socket raw = new Socket()) {
      raw.connect(new InetSocketAddress(address, port), 3000);
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, address, port, true)) {
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        p.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(p);
        s.setSoTimeout(5000);
        s.startHandshake();
        X509Certificate cert = (X509Certificate) s.getSession().getPeerCertificates()[0];
        return exchange(s, host, path, cert);
      }
    }
  }

  private static Response exchange(Socket s, String host, String path, X509Certificate cert) throws IOException {
    s.setSoTimeout(5000);
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: portcullis-e2e\r\n"
        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    String reply = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    int headEnd = reply.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      throw new IOException("no complete response head: " + reply);
    }
    String[] lines = reply.substring(0, headEnd).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    String body = reply.substring(headEnd + 4);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = unchunk(body);
    }
    return new Response(status, headers, body, cert);
  }

  private static String unchunk(String body) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < body.length()) {
      int eol = body.indexOf("\r\n", at);
      int size = Integer.parseInt(body.substring(at, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(body, eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
    return out.toString();
  }

  static final X509TrustManager TRUST_ALL = new X509TrustManager() {
    @Override
    public void checkClientTrusted(X509Certificate[] c, String a) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  };
}

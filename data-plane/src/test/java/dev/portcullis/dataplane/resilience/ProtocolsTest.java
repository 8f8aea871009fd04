package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.Timeouts;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** WebSocket, gRPC over h2c with its trailers, and Expect: 100-continue, end to end through the proxy. */
class ProtocolsTest extends LiveProxy {

  static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder().setType(type).setFullMethodName("echo.Echo/" + name)
        .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
  }

  static final MethodDescriptor<String, String> SAY = method("Say", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> COUNT = method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> CHAT = method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);

  /** A gRPC echo service: Say answers once (or fails on "fail"), Count streams, Chat echoes each message. */
  static Server grpcServer() throws IOException {
    ServerServiceDefinition echo = ServerServiceDefinition.builder("echo.Echo")
        .addMethod(SAY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
          if (req.equals("fail")) {
            out.onError(Status.NOT_FOUND.withDescription("no such greeting").asRuntimeException());
            return;
          }
          out.onNext("hello " + req);
          out.onCompleted();
        }))
        .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((String req, StreamObserver<String> out) -> {
          for (int i = 1; i <= Integer.parseInt(req); i++) {
            out.onNext("n" + i);
          }
          out.onCompleted();
        }))
        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
          @Override
          public void onNext(String value) {
            out.onNext("echo " + value);
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        }))
        .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(echo).build().start();
  }

  @Test
  void grpcUnaryAndStreamingCallsPassThroughWithTheirTrailers() throws Exception {
    Server server = grpcServer();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dataPlane.httpPort()).usePlaintext()
        .overrideAuthority("grpc.test").build();
    try {
      Cluster grpc = new Cluster("grpc", List.of(new Endpoint("127.0.0.1", server.getPort())),
          BalancerPolicy.LEAST_REQUEST, null, 1000, null, null, Cluster.Protocol.H2C, null, null);
      serve("grpc.test", grpc, null, Timeouts.DEFAULT);

      assertThat(ClientCalls.blockingUnaryCall(channel, SAY, CallOptions.DEFAULT, "world")).isEqualTo("hello world");
      // The status travels in trailers: it must arrive as sent.
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, SAY, CallOptions.DEFAULT, "fail"))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).isEqualTo("no such greeting");
          });

      List<String> counted = new ArrayList<>();
      Iterator<String> it = ClientCalls.blockingServerStreamingCall(channel, COUNT, CallOptions.DEFAULT, "50");
      it.forEachRemaining(counted::add);
      assertThat(counted).hasSize(50).startsWith("n1", "n2").endsWith("n50");

      LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();
      CountDownLatch completed = new CountDownLatch(1);
      StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(CHAT, CallOptions.DEFAULT),
          new StreamObserver<>() {
            @Override
            public void onNext(String value) {
              replies.add(value);
            }

            @Override
            public void onError(Throwable t) {
              replies.add("error " + t);
            }

            @Override
            public void onCompleted() {
              completed.countDown();
            }
          });
      // Each message is answered before the next is sent: the streams really are interleaved.
      for (int i = 0; i < 5; i++) {
        requests.onNext("m" + i);
        assertThat(replies.poll(5, TimeUnit.SECONDS)).isEqualTo("echo m" + i);
      }
      requests.onCompleted();
      assertThat(completed.await(5, TimeUnit.SECONDS)).isTrue();
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  @Test
  void aStreamTheUpstreamRefusesIsRetriedElsewhereEvenForAPost() throws Exception {
    // Two h2c upstreams: one refuses every stream (RST_STREAM REFUSED_STREAM: it never processed
    // the request), the other answers with what it received.
    io.vertx.core.http.HttpServer refusing = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
        .setHost("127.0.0.1").setPort(0)).requestHandler(req -> req.response().reset(7));
    io.vertx.core.http.HttpServer answering = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
        .setHost("127.0.0.1").setPort(0)).requestHandler(req -> req.body().onSuccess(b ->
        req.response().end("answered " + req.version() + " " + b)));
    Upstream.await(refusing.listen());
    Upstream.await(answering.listen());
    try {
      Cluster h2 = new Cluster("refusing", List.of(new Endpoint("127.0.0.1", refusing.actualPort()),
          new Endpoint("127.0.0.1", answering.actualPort())), BalancerPolicy.ROUND_ROBIN, null, 1000, null, null,
          Cluster.Protocol.H2C, null, null);
      serve("refused.test", h2, null, Timeouts.DEFAULT);
      for (int i = 0; i < 6; i++) {
        Reply r = send("POST", "refused.test", "/", java.util.Map.of(), "order=" + i);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("answered HTTP_2 order=" + i);
      }
    } finally {
      refusing.close();
      answering.close();
    }
  }

  @Test
  void webSocketMessagesAreEchoedEndToEnd() throws Exception {
    Upstream[] u = upstreams("ws");
    // The JDK's WebSocket client sends Host: 127.0.0.1:port, which routes to host 127.0.0.1.
    serve("127.0.0.1", cluster("ws", BalancerPolicy.ROUND_ROBIN, u), null, Timeouts.DEFAULT);
    LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + dataPlane.httpPort() + "/chat"),
        new WebSocket.Listener() {
          final StringBuilder partial = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
              received.add(partial.toString());
              partial.setLength(0);
            }
            webSocket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      ws.sendText("message " + i, true).get(5, TimeUnit.SECONDS);
      assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("message " + i);
    }
    String big = "x".repeat(200_000);
    ws.sendText(big, true).get(5, TimeUnit.SECONDS);
    assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(big);
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
  }

  @Test
  void theUpstreamNegotiatesAWebSocketsExtensionsAndTheProxyPassesItsAnswerAsItIs() throws Exception {
    Upstream[] u = upstreams("ws");
    serve("ws.test", cluster("wsx", BalancerPolicy.ROUND_ROBIN, u), null, Timeouts.DEFAULT);
    // A browser offers compression on every WebSocket. The proxy tunnels the connection, so the
    // upstream alone decides, and the proxy adds nothing to what it answers.
    String offer = "GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-webkit-deflate-frame\r\n\r\n";
    String direct;
    String proxied;
    try (Socket s = new Socket("127.0.0.1", u[0].port())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(offer.getBytes(StandardCharsets.US_ASCII));
      direct = readUntil(s.getInputStream(), "\r\n\r\n");
    }
    try (Socket s = new Socket("127.0.0.1", dataPlane.httpPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(offer.getBytes(StandardCharsets.US_ASCII));
      proxied = readUntil(s.getInputStream(), "\r\n\r\n");
    }
    assertThat(direct).startsWith("HTTP/1.1 101");
    assertThat(proxied).startsWith("HTTP/1.1 101");
    // The test upstream (Vert.x with its defaults) accepts permessage-deflate.
    assertThat(extensions(direct)).hasSize(1).allMatch(l -> l.contains("permessage-deflate"));
    assertThat(extensions(proxied)).isEqualTo(extensions(direct));
  }

  /** The Sec-WebSocket-Extensions lines of a response head, lower-cased. */
  static List<String> extensions(String head) {
    return head.lines().map(l -> l.toLowerCase(java.util.Locale.ROOT))
        .filter(l -> l.startsWith("sec-websocket-extensions:")).toList();
  }

  @Test
  void expectContinueIsAnsweredOnlyForRoutedRequests() throws Exception {
    Upstream[] u = upstreams("up");
    serve("continue.test", cluster("continue", BalancerPolicy.ROUND_ROBIN, u), null, Timeouts.DEFAULT);
    try (Socket s = new Socket("127.0.0.1", dataPlane.httpPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /upload HTTP/1.1\r\nHost: continue.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(readUntil(s.getInputStream(), "\r\n\r\n")).startsWith("HTTP/1.1 100 Continue");
      out.write("hello".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = readUntil(s.getInputStream(), "up 5");
      assertThat(response).startsWith("HTTP/1.1 200").endsWith("up 5");
    }
    // No route: the client is told so instead of being invited to send a body nobody will read.
    try (Socket s = new Socket("127.0.0.1", dataPlane.httpPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: nowhere.test\r\nContent-Length: 5\r\n"
          + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntil(s.getInputStream(), "\r\n\r\n")).startsWith("HTTP/1.1 404");
    }
  }

  @Test
  void anHttp2GetReachesAnHttp1UpstreamWithoutABody() throws Exception {
    Upstream[] u = upstreams("h1");
    serve("h2get.test", cluster("h2get", BalancerPolicy.ROUND_ROBIN, u), null, Timeouts.DEFAULT);
    io.vertx.core.http.HttpClient h2 = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      CompletableFuture<String> body = h2.request(new io.vertx.core.http.RequestOptions()
              .setServer(io.vertx.core.net.SocketAddress.inetSocketAddress(dataPlane.httpPort(), "127.0.0.1"))
              .setHost("h2get.test").setPort(dataPlane.httpPort()).setURI("/"))
          .compose(req -> req.send().compose(resp -> resp.body()))
          .map(Object::toString).toCompletionStage().toCompletableFuture();
      // The upstream reports the body length it received: none (-1 would be a failed read).
      assertThat(body.get(10, TimeUnit.SECONDS)).isEqualTo("h1 0");
      assertThat(u[0].chunkedRequests.get()).isZero();
    } finally {
      h2.close();
    }
  }

  static String readUntil(InputStream in, String marker) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (sb.indexOf(marker) < 0) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      sb.append((char) b);
    }
    return sb.toString();
  }
}

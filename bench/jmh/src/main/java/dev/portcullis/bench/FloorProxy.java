package dev.portcullis.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;

/**
 * The least a JVM proxy can spend per request, to put the side-by-side figures in proportion
 * (bench/proxy/run.sh with {@code FLOOR=1}). Not a proxy anyone should run: each client
 * connection is paired with one upstream connection and whatever arrives on one is written to
 * the other, as Netty (native epoll, its pooled buffers, one event loop, TCP_NODELAY) does it
 * with the fewest steps. Nothing is routed, checked, balanced, logged or counted.
 *
 * <ul>
 *   <li>{@code pipe}: bytes only, as HAProxy's TCP mode: no HTTP at all.
 *   <li>{@code http}: Netty's HTTP/1.1 server and client codecs on either side, their messages
 *       passed across as they are: what parsing and writing HTTP costs in Netty, before any proxy
 *       logic.
 * </ul>
 *
 * <p>Usage: {@code FloorProxy pipe|http LISTEN_PORT UPSTREAM_PORT}; it listens on 127.0.0.1 and
 * forwards to 127.0.0.1 until it is killed. {@code FloorProxyTest} checks that both modes relay
 * keep-alive exchanges whole.
 */
public final class FloorProxy implements AutoCloseable {

  private final EventLoopGroup acceptor;
  private final EventLoopGroup loop;
  private final Channel server;

  private FloorProxy(EventLoopGroup acceptor, EventLoopGroup loop, Channel server) {
    this.acceptor = acceptor;
    this.loop = loop;
    this.server = server;
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 3 || !(args[0].equals("pipe") || args[0].equals("http"))) {
      System.err.println("usage: FloorProxy pipe|http LISTEN_PORT UPSTREAM_PORT");
      System.exit(2);
    }
    FloorProxy proxy = start(args[0].equals("http"), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
    System.out.println("floor proxy (" + args[0] + ") on 127.0.0.1:" + proxy.port() + " -> 127.0.0.1:" + args[2]);
    proxy.server.closeFuture().sync();
  }

  /**
   * Listens on 127.0.0.1 ({@code listen} 0: any free port) and forwards to 127.0.0.1:{@code upstreamPort}.
   *
   * @param http true for Netty's HTTP codecs on both sides, false for bytes only
   */
  public static FloorProxy start(boolean http, int listen, int upstreamPort) throws InterruptedException {
    if (!Epoll.isAvailable()) {
      throw new IllegalStateException("native epoll is not available", Epoll.unavailabilityCause());
    }
    EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Channel server = new ServerBootstrap()
          .group(acceptor, loop)
          .channel(EpollServerSocketChannel.class)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.AUTO_READ, false)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (http) {
                ch.pipeline().addLast(new HttpServerCodec());
              }
              ch.pipeline().addLast(new Client(upstreamPort, http));
            }
          })
          .bind("127.0.0.1", listen).sync().channel();
      return new FloorProxy(acceptor, loop, server);
    } catch (InterruptedException | RuntimeException e) {
      acceptor.shutdownGracefully();
      loop.shutdownGracefully();
      throw e;
    }
  }

  public int port() {
    return ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    acceptor.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** The client side: opens the upstream connection, then relays both ways. */
  private static final class Client extends ChannelInboundHandlerAdapter {
    private final int upstreamPort;
    private final boolean http;
    private Channel upstream;

    Client(int upstreamPort, boolean http) {
      this.upstreamPort = upstreamPort;
      this.http = http;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel client = ctx.channel();
      new Bootstrap()
          .group(client.eventLoop())
          .channel(EpollSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (http) {
                ch.pipeline().addLast(new HttpClientCodec());
              }
              ch.pipeline().addLast(new Relay(client));
            }
          })
          .connect("127.0.0.1", upstreamPort)
          .addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && !client.isActive()) {
              f.channel().close(); // the client left while it connected
            } else if (f.isSuccess()) {
              upstream = f.channel();
              client.read();
            } else {
              client.close();
            }
          });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      upstream.write(msg, upstream.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      upstream.flush();
      if (upstream.isWritable()) {
        ctx.channel().read();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable() && upstream != null) {
        upstream.config().setAutoRead(true);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (upstream != null) {
        upstream.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** The upstream side: writes what the upstream answers to the client. */
  private static final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel client;

    Relay(Channel client) {
      this.client = client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (client.isActive()) {
        client.write(msg, client.voidPromise());
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      client.flush();
      if (!client.isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        client.read();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      client.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}

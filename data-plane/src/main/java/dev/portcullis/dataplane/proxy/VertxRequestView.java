package dev.portcullis.dataplane.proxy;

import dev.portcullis.model.routing.RequestView;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;

/** Route conditions' view of a Vert.x request; nothing is parsed unless a condition asks. */
final class VertxRequestView implements RequestView {
  private final HttpServerRequest request;
  private final String method;

  VertxRequestView(HttpServerRequest request) {
    this(request, request.method().name());
  }

  /** The request as if its method were {@code method}: a CORS preflight routes as the request it announces. */
  VertxRequestView(HttpServerRequest request, String method) {
    this.request = request;
    this.method = method;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String header(String lowerCaseName) {
    List<String> all = request.headers().getAll(lowerCaseName);
    if (all.isEmpty()) {
      return null;
    }
    return all.size() == 1 ? all.get(0) : String.join(", ", all);
  }

  @Override
  public String queryParam(String name) {
    return request.getParam(name);
  }
}

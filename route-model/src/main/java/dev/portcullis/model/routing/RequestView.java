package dev.portcullis.model.routing;

/** What route matching may ask of a request beyond its host and path. */
public interface RequestView {

  /** The method, upper case. */
  String method();

  /** The header's values joined with {@code ", "} (as RFC 9110 allows), or null; the name is lower case. */
  String header(String lowerCaseName);

  /** The first value of the query parameter (decoded), or null. */
  String queryParam(String name);

  /** A GET without headers or query: enough for routes that test only the path. */
  RequestView GET = new RequestView() {
    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String header(String lowerCaseName) {
      return null;
    }

    @Override
    public String queryParam(String name) {
      return null;
    }
  };
}

package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The routes of one hostname.
 *
 * @param hostname an exact name ({@code shop.example.com}), a wildcard ({@code *.example.com}, which
 *                 matches exactly one more label) or {@code *}, the catch-all for requests no other
 *                 virtual host claims
 * @param routes   the host's routes; the data plane picks the most specific match, so order is
 *                 irrelevant to matching (the translator sorts them for stable output)
 * @param fallback the route for requests on this host that match none of {@code routes} (an
 *                 Ingress {@code defaultBackend}); without one such requests get a 404
 * @param tls      the certificate the host is to be served with over HTTPS, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VirtualHost(String hostname, List<Route> routes, Route fallback, TlsRef tls) {

  public static final String CATCH_ALL = "*";

  public VirtualHost {
    Checks.notBlank(hostname, "hostname");
    if (!hostname.equals(hostname.toLowerCase(Locale.ROOT))) {
      throw new ModelException("hostname", "must be lower case, was \"" + hostname + "\"");
    }
    if (!CATCH_ALL.equals(hostname)) {
      String name = hostname.startsWith("*.") ? hostname.substring(2) : hostname;
      if (!Hostnames.isDnsName(name)) {
        throw new ModelException("hostname", "is not a valid DNS name or wildcard: \"" + hostname + "\"");
      }
    }
    routes = Checks.list(routes, "routes");
    Set<String> names = new HashSet<>();
    for (int i = 0; i < routes.size(); i++) {
      if (!names.add(routes.get(i).name())) {
        throw new ModelException("routes[" + i + "].name", "duplicate route name \"" + routes.get(i).name() + "\"");
      }
    }
  }

  /** A host without TLS. */
  public VirtualHost(String hostname, List<Route> routes, Route fallback) {
    this(hostname, routes, fallback, null);
  }

  @JsonIgnore
  public boolean isWildcard() {
    return hostname.startsWith("*.");
  }

  @JsonIgnore
  public boolean isCatchAll() {
    return CATCH_ALL.equals(hostname);
  }
}

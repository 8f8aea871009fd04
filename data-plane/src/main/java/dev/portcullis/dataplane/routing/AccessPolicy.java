package dev.portcullis.dataplane.routing;

import dev.portcullis.model.Cidr;
import dev.portcullis.model.RoutePolicies;
import java.util.List;

/** A route's client address rules, compiled: deny wins; a non-empty allow list admits only its networks. */
public final class AccessPolicy {
  private final Cidr[] allow;
  private final Cidr[] deny;

  AccessPolicy(RoutePolicies.Access access) {
    this.allow = parse(access.allow(), "allow");
    this.deny = parse(access.deny(), "deny");
  }

  private static Cidr[] parse(List<String> cidrs, String field) {
    Cidr[] out = new Cidr[cidrs.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Cidr.parse(cidrs.get(i), field + "[" + i + "]");
    }
    return out;
  }

  /** True if the client (its address as 4 or 16 bytes; null when unknown) may use the route. */
  public boolean admits(byte[] client) {
    if (client == null) {
      return allow.length == 0 && deny.length == 0;
    }
    for (Cidr c : deny) {
      if (c.contains(client)) {
        return false;
      }
    }
    if (allow.length == 0) {
      return true;
    }
    for (Cidr c : allow) {
      if (c.contains(client)) {
        return true;
      }
    }
    return false;
  }
}

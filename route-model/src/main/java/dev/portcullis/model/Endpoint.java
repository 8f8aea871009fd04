package dev.portcullis.model;

/**
 * One upstream address.
 *
 * @param address an IPv4 or IPv6 literal (without brackets) or a DNS name (ExternalName services)
 * @param port    the TCP port
 */
public record Endpoint(String address, int port) implements Comparable<Endpoint> {

  public Endpoint {
    Checks.notBlank(address, "address");
    Checks.inRange(port, 1, 65535, "port");
    if (address.startsWith("[")) {
      throw new ModelException("address", "must be written without brackets, was \"" + address + "\"");
    }
  }

  @Override
  public int compareTo(Endpoint o) {
    int c = address.compareTo(o.address);
    return c != 0 ? c : Integer.compare(port, o.port);
  }

  /** {@code host:port}, with IPv6 addresses in brackets. */
  @Override
  public String toString() {
    return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
  }
}

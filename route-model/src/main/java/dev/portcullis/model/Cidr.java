package dev.portcullis.model;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network in CIDR notation; a bare address is its own /32 or /128. */
public record Cidr(byte[] network, int prefixLength) {

  /** Parses {@code 10.0.0.0/8}, {@code fd00::/8} or a bare address, or throws naming the field. */
  public static Cidr parse(String text, String field) {
    if (text == null || text.isBlank()) {
      throw new ModelException(field, "must be a CIDR such as 10.0.0.0/8");
    }
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    if (!address.matches("[0-9a-fA-F:.]+") || address.chars().noneMatch(c -> c == '.' || c == ':')) {
      throw new ModelException(field, "\"" + text + "\" is not an IP address or CIDR");
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      throw new ModelException(field, "\"" + text + "\" is not an IP address or CIDR");
    }
    int max = bytes.length * 8;
    int length = max;
    if (slash >= 0) {
      try {
        length = Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new ModelException(field, "\"" + text + "\" has an invalid prefix length");
      }
      if (length < 0 || length > max) {
        throw new ModelException(field, "\"" + text + "\" has a prefix length outside 0-" + max);
      }
    }
    return new Cidr(mask(bytes, length), length);
  }

  private static byte[] mask(byte[] bytes, int length) {
    byte[] out = bytes.clone();
    for (int i = 0; i < out.length; i++) {
      int bits = Math.max(0, Math.min(8, length - i * 8));
      out[i] &= (byte) (bits == 0 ? 0 : (0xFF << (8 - bits)));
    }
    return out;
  }

  /** True if the address (4 or 16 bytes) lies in this network; IPv4-mapped IPv6 counts as IPv4. */
  public boolean contains(byte[] address) {
    byte[] a = address;
    if (a.length == 16 && network.length == 4 && isV4Mapped(a)) {
      a = new byte[] {a[12], a[13], a[14], a[15]};
    }
    if (a.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int m = 0xFF << (8 - rest) & 0xFF;
    return (a[full] & m) == (network[full] & m);
  }

  private static boolean isV4Mapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
  }
}

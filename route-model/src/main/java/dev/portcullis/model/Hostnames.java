package dev.portcullis.model;

/** DNS name rules (RFC 1123 labels), shared by the model and the translator. */
public final class Hostnames {
  private Hostnames() {}

  /** A lower-case DNS-1123 subdomain: dot-separated labels of [a-z0-9-], not starting or ending with '-'. */
  public static boolean isDnsName(String name) {
    if (name == null || name.isEmpty() || name.length() > 253) {
      return false;
    }
    int labelStart = 0;
    for (int i = 0; i <= name.length(); i++) {
      if (i == name.length() || name.charAt(i) == '.') {
        int len = i - labelStart;
        if (len == 0 || len > 63) {
          return false;
        }
        if (name.charAt(labelStart) == '-' || name.charAt(i - 1) == '-') {
          return false;
        }
        labelStart = i + 1;
        continue;
      }
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** True for dotted-quad IPv4 literals and anything containing ':' (IPv6). */
  public static boolean isIpLiteral(String name) {
    if (name.indexOf(':') >= 0) {
      return true;
    }
    String[] parts = name.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3) {
        return false;
      }
      for (int i = 0; i < p.length(); i++) {
        if (!Character.isDigit(p.charAt(i))) {
          return false;
        }
      }
    }
    return true;
  }
}

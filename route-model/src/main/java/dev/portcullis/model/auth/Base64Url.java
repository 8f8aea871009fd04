package dev.portcullis.model.auth;

import java.util.Base64;

/**
 * Base64url without padding (RFC 7515 section 2), decoded strictly: any character outside the
 * alphabet, padding, or a length no encoding can have is refused, so that one token has exactly
 * one reading.
 */
public final class Base64Url {
  private Base64Url() {}

  /** The bytes, or null when {@code s} is not unpadded base64url. */
  public static byte[] decode(String s) {
    return decode(s, 0, s.length());
  }

  /** Decodes {@code s[from, to)}, or null when it is not unpadded base64url. */
  public static byte[] decode(String s, int from, int to) {
    int n = to - from;
    if (n % 4 == 1) {
      return null;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
        return null;
      }
    }
    try {
      byte[] out = Base64.getUrlDecoder().decode(s.substring(from, to));
      // Non-canonical trailing bits (two encodings of the same bytes) are refused too.
      return Base64.getUrlEncoder().withoutPadding().encodeToString(out).equals(s.substring(from, to)) ? out : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}

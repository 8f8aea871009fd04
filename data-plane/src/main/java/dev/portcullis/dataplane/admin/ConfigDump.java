package dev.portcullis.dataplane.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.portcullis.model.RouteTableJson;
import java.net.URI;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The admin port's {@code /config}: the table being served, with its version and checksum, and
 * nothing that would let a reader of the admin port act as someone else. Key material and
 * password hashes never enter the table (they travel beside it); what the table itself may carry
 * and is hidden here: values of headers (set, added or matched) that hold credentials
 * ({@code Authorization}, {@code Cookie}, API keys, tokens), user and password in URLs (an
 * external auth service, a key-set URL), and, whatever else happens, any PEM private key.
 */
public final class ConfigDump {

  static final String REDACTED = "<redacted>";
  /** Header names whose values are credentials, and parts of names that say so. */
  static final Set<String> SECRET_HEADERS = Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");
  static final String[] SECRET_PARTS = {"token", "secret", "password", "api-key", "apikey", "credential", "session"};

  private ConfigDump() {}

  /** The JSON of a table or snapshot, redacted. */
  public static String json(Object dump) {
    JsonNode tree = RouteTableJson.mapper().valueToTree(dump);
    redact(tree);
    try {
      return RouteTableJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(tree);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static void redact(JsonNode node) {
    if (node instanceof ObjectNode o) {
      JsonNode name = o.get("name");
      if (name != null && name.isTextual() && o.has("value") && secretHeader(name.asText())) {
        o.put("value", REDACTED);
      }
      Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        if (f.getValue().isTextual()) {
          String clean = clean(f.getValue().asText());
          if (clean != null) {
            f.setValue(TextNode.valueOf(clean));
          }
        } else {
          redact(f.getValue());
        }
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        if (a.get(i).isTextual()) {
          String clean = clean(a.get(i).asText());
          if (clean != null) {
            a.set(i, TextNode.valueOf(clean));
          }
        } else {
          redact(a.get(i));
        }
      }
    }
  }

  static boolean secretHeader(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (SECRET_HEADERS.contains(n)) {
      return true;
    }
    for (String part : SECRET_PARTS) {
      if (n.contains(part)) {
        return true;
      }
    }
    return false;
  }

  /** A replacement for a string that shows what it must not, or null to keep it. */
  static String clean(String s) {
    if (s.contains("PRIVATE KEY")) {
      return REDACTED;
    }
    int scheme = s.indexOf("://");
    int at = s.indexOf('@');
    if (scheme > 0 && at > scheme) {
      try {
        URI u = URI.create(s);
        if (u.getRawUserInfo() != null) {
          return u.getScheme() + "://" + REDACTED + "@" + u.getRawAuthority().substring(u.getRawUserInfo().length() + 1)
              + (u.getRawPath() == null ? "" : u.getRawPath()) + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        }
      } catch (IllegalArgumentException e) {
        return REDACTED;
      }
    }
    return null;
  }
}

package dev.portcullis.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON form of the route table and the push messages, and the table's content checksum.
 *
 * <p>Reading is strict: an unknown field fails instead of being dropped, because a dropped field
 * could be a security rule. A data plane that meets a newer table therefore NACKs it and keeps
 * serving its last good one (upgrade data planes before the operator).
 */
public final class RouteTableJson {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .enable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
      .build();

  private RouteTableJson() {}

  /** The shared, configured mapper (thread-safe once built). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static byte[] toJson(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("route model values always serialise", e);
    }
  }

  public static String toPrettyJson(Object value) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("route model values always serialise", e);
    }
  }

  public static RouteTable readTable(byte[] json) {
    return read(json, RouteTable.class);
  }

  /**
   * Reads a model value, turning every failure (syntax, unknown field, broken rule) into a
   * {@link ModelException} that names the field, e.g. {@code virtualHosts[0].routes[2].match.path.value}.
   */
  public static <T> T read(byte[] json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonMappingException e) {
      String path = fieldPath(e);
      Throwable cause = e.getCause();
      while (cause != null && !(cause instanceof ModelException)) {
        cause = cause.getCause();
      }
      if (cause instanceof ModelException model) {
        String field = path.isEmpty() ? model.field() : path + "." + model.field();
        throw new ModelException(field, secret(field) ? SECRET_REASON : model.reason());
      }
      // Jackson's messages quote the input: never for key material or credentials, which a NACK
      // reason would carry into the operator's log.
      throw new ModelException(path.isEmpty() ? "(root)" : path, secret(path) ? SECRET_REASON : e.getOriginalMessage());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // Where, not what: the text around a syntax error may be key material.
      var at = e.getLocation();
      throw new ModelException("(root)", "malformed JSON" + (at == null ? ""
          : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
    } catch (IOException e) {
      throw new ModelException("(root)", "malformed JSON: " + e.getClass().getSimpleName());
    }
  }

  private static final String SECRET_REASON = "cannot be read (its value is secret and not shown)";

  private static boolean secret(String path) {
    return path.startsWith("certificates") || path.startsWith("credentials");
  }

  /** The path a Jackson mapping error points at, as {@code a.b[2].c}. */
  public static String fieldPath(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static final TableDigest DIGEST = new TableDigest();

  /**
   * The table's content checksum, {@code sha256:<hex>}: same content, same checksum (see
   * {@link TableDigest} for what is hashed). The rebuild loop, the route server, the status code
   * and the data plane ask for the checksum of tables that mostly share their hosts and clusters
   * with the last ones; what was digested before is not serialized again.
   */
  public static String checksum(RouteTable table) {
    return DIGEST.checksum(table);
  }

  /**
   * The checksum route servers sent before {@link TableDigest}: {@code sha256:} of the table's
   * whole JSON form. Data planes accept it too, so that they can be upgraded before the operator.
   */
  public static String legacyChecksum(RouteTable table) {
    return "sha256:" + java.util.HexFormat.of().formatHex(TableDigest.sha256().digest(toJson(table)));
  }

  public static String toString(byte[] json) {
    return new String(json, StandardCharsets.UTF_8);
  }
}

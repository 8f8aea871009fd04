package dev.portcullis.model;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The content checksum of a route table, made of one digest per virtual host and per cluster, so
 * that a table that shares most of its hosts and clusters with one checksummed before (a delta
 * push, an incremental translation: unchanged ones are the same instances) costs only its new
 * parts. Equal tables have equal checksums whatever the order of their hosts and clusters (names
 * are unique; order means nothing to routing).
 *
 * <p>{@code sha256:<hex>} of: each host's digest in hostname order, a separator, each cluster's
 * digest in name order, a separator, and the default certificate's JSON; each digest is the
 * SHA-256 of the element's JSON form.
 */
final class TableDigest {

  /**
   * Digests of the elements of the last two tables checksummed, by identity. Two generations,
   * because the route server's tables and the data plane's (parsed from the wire, so other
   * instances) take turns when both run in one process.
   */
  private Map<Object, byte[]> current = new IdentityHashMap<>();
  private Map<Object, byte[]> previous = new IdentityHashMap<>();
  private RouteTable lastTable;
  private String lastChecksum;

  synchronized String checksum(RouteTable table) {
    if (table == lastTable) {
      return lastChecksum;
    }
    MessageDigest sha = sha256();
    Map<Object, byte[]> made = new IdentityHashMap<>(table.virtualHosts().size() + table.clusters().size());
    for (VirtualHost vh : byName(table.virtualHosts(), VirtualHost::hostname)) {
      sha.update(digest(vh, made));
    }
    sha.update((byte) '\n');
    for (Cluster c : byName(table.clusters(), Cluster::name)) {
      sha.update(digest(c, made));
    }
    sha.update((byte) '\n');
    if (table.defaultCertificate() != null) {
      sha.update(RouteTableJson.toJson(table.defaultCertificate()));
    }
    String checksum = "sha256:" + HexFormat.of().formatHex(sha.digest());
    previous = current;
    current = made;
    lastTable = table;
    lastChecksum = checksum;
    return checksum;
  }

  private byte[] digest(Object element, Map<Object, byte[]> made) {
    byte[] d = current.get(element);
    if (d == null) {
      d = previous.get(element);
    }
    if (d == null) {
      d = sha256().digest(RouteTableJson.toJson(element));
    }
    made.put(element, d);
    return d;
  }

  /** The elements in name order: as they are when they already are (a translator's tables), else sorted. */
  private static <T> List<T> byName(List<T> elements, java.util.function.Function<T, String> name) {
    for (int i = 1; i < elements.size(); i++) {
      if (name.apply(elements.get(i - 1)).compareTo(name.apply(elements.get(i))) > 0) {
        List<T> sorted = new ArrayList<>(elements);
        sorted.sort(java.util.Comparator.comparing(name));
        return sorted;
      }
    }
    return elements;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}

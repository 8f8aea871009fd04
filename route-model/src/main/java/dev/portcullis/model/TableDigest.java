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
   * Digests of the elements of the tables checksummed lately, by identity, each with the number
   * of the last checksum that used it. Not just the last table's: the rebuild loop's tables and
   * the data plane's (parsed from the wire, so other instances) are checksummed in turns when
   * both run in one process, and not one for one (the rebuild loop may make several tables while
   * the data plane compiles one; the data plane applies only the latest). An element unused for
   * {@link #KEEP} checksums is dropped, once the memo holds more than about three tables' worth.
   */
  private final Map<Object, Entry> memo = new IdentityHashMap<>();
  private long round;
  private RouteTable lastTable;
  private String lastChecksum;

  /** How many checksums an element's digest outlives its last use by. */
  static final int KEEP = 8;

  private static final class Entry {
    final byte[] digest;
    long used;

    Entry(byte[] digest) {
      this.digest = digest;
    }
  }

  synchronized String checksum(RouteTable table) {
    if (table == lastTable) {
      return lastChecksum;
    }
    long now = ++round;
    MessageDigest sha = sha256();
    for (VirtualHost vh : byName(table.virtualHosts(), VirtualHost::hostname)) {
      sha.update(digest(vh, now));
    }
    sha.update((byte) '\n');
    for (Cluster c : byName(table.clusters(), Cluster::name)) {
      sha.update(digest(c, now));
    }
    sha.update((byte) '\n');
    if (table.defaultCertificate() != null) {
      sha.update(RouteTableJson.toJson(table.defaultCertificate()));
    }
    String checksum = "sha256:" + HexFormat.of().formatHex(sha.digest());
    int size = table.virtualHosts().size() + table.clusters().size();
    if (memo.size() > 3 * size + 64) {
      memo.values().removeIf(e -> e.used <= now - KEEP);
    }
    lastTable = table;
    lastChecksum = checksum;
    return checksum;
  }

  /** How many digests the memo holds (for tests). */
  synchronized int memoSize() {
    return memo.size();
  }

  private byte[] digest(Object element, long now) {
    Entry e = memo.get(element);
    if (e == null) {
      e = new Entry(sha256().digest(RouteTableJson.toJson(element)));
      memo.put(element, e);
    }
    e.used = now;
    return e.digest;
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

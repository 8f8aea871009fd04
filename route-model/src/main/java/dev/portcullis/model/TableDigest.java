package dev.portcullis.model;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

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
 *
 * <p>What is known of earlier tables is kept per lineage: a table made from another (the rebuild
 * loop's next, a data plane's table after a delta) shares that one's instances and takes its
 * place. A new table is walked alongside the table of its lineage, both in name order: where the
 * two hold the same instance, its digest is the one known, with no look-up; only the hosts and
 * clusters that are other instances are digested. Tables that share nothing with a known one (a
 * data plane's first, parsed from the wire; the rebuild loop's, when both run in one process)
 * start a lineage of their own; the {@link #LINEAGES} used last are kept, each while it is used
 * in one of {@link #KEEP} checksums.
 */
final class TableDigest {

  /** How many lineages are kept (the rebuild loop's and a data plane's in one process, and spares). */
  static final int LINEAGES = 4;

  /** How many hosts, and how many clusters, of a new table are looked up in a known one to find its lineage. */
  private static final int PROBES = 16;

  /**
   * For how many checksums of new tables a lineage none of them used is kept (a data plane's last,
   * once it took a whole table and so began another): enough for the rebuild loop to run well
   * ahead of a data plane in the same process.
   */
  static final int KEEP = 32;

  /** A table digested: its hosts and clusters in name order, each with its digest; the checksum it was last used in. */
  private record Digested(RouteTable table, List<VirtualHost> hosts, byte[][] hostDigests, List<Cluster> clusters,
      byte[][] clusterDigests, String checksum, long used) {

    Digested usedIn(long round) {
      return new Digested(table, hosts, hostDigests, clusters, clusterDigests, checksum, round);
    }
  }

  /** Most recently used first. */
  private final List<Digested> lineages = new ArrayList<>();
  /** How many hosts and clusters were digested from their JSON, for tests. */
  private long digested;
  private long round;

  synchronized String checksum(RouteTable table) {
    for (int i = 0; i < lineages.size(); i++) {
      Digested d = lineages.get(i);
      if (d.table() == table) {
        lineages.add(0, lineages.remove(i).usedIn(round));
        return d.checksum();
      }
    }
    long now = ++round;
    lineages.removeIf(d -> d.used() < now - KEEP);
    int base = lineageOf(table);
    Digested known = base < 0 ? null : lineages.get(base);
    Ordered<VirtualHost> hosts = inNameOrder(table.virtualHosts(), VirtualHost::hostname,
        known == null ? List.of() : known.hosts(), known == null ? null : known.hostDigests());
    Ordered<Cluster> clusters = inNameOrder(table.clusters(), Cluster::name,
        known == null ? List.of() : known.clusters(), known == null ? null : known.clusterDigests());
    MessageDigest sha = sha256();
    for (byte[] d : hosts.digests()) {
      sha.update(d);
    }
    sha.update((byte) '\n');
    for (byte[] d : clusters.digests()) {
      sha.update(d);
    }
    sha.update((byte) '\n');
    if (table.defaultCertificate() != null) {
      sha.update(RouteTableJson.toJson(table.defaultCertificate()));
    }
    String checksum = "sha256:" + HexFormat.of().formatHex(sha.digest());
    if (base >= 0) {
      lineages.remove(base); // the new table takes its place
    } else if (lineages.size() >= LINEAGES) {
      lineages.remove(lineages.size() - 1);
    }
    lineages.add(0, new Digested(table, hosts.elements(), hosts.digests(), clusters.elements(), clusters.digests(),
        checksum, now));
    return checksum;
  }

  /** How many lineages are known (for tests). */
  synchronized int lineages() {
    return lineages.size();
  }

  /** How many hosts and clusters were digested from their JSON so far (for tests). */
  synchronized long digested() {
    return digested;
  }

  /**
   * The known table that shares the most of some of this table's hosts and clusters (the same
   * instances), or -1 if none shares any. Each probed one is found in a known table by name
   * (bisection: known tables are in name order), so those added or removed before it do not hide it.
   */
  private int lineageOf(RouteTable table) {
    int best = -1;
    int bestShared = 0;
    for (int l = 0; l < lineages.size(); l++) {
      Digested d = lineages.get(l);
      int shared = shared(table.virtualHosts(), d.hosts(), VirtualHost::hostname)
          + shared(table.clusters(), d.clusters(), Cluster::name);
      if (shared > bestShared) {
        best = l;
        bestShared = shared;
      }
    }
    return best;
  }

  /** How many of {@link #PROBES} elements spread over the list are the very ones of a known list. */
  private static <T> int shared(List<T> elements, List<T> known, Function<T, String> name) {
    int probes = Math.min(PROBES, elements.size());
    int shared = 0;
    for (int p = 0; p < probes; p++) {
      T e = elements.get((int) ((long) p * elements.size() / probes));
      int at = RouteTable.indexByName(known, name.apply(e), name);
      if (at >= 0 && known.get(at) == e) {
        shared++;
      }
    }
    return shared;
  }

  /** Elements in name order and their digests. */
  private record Ordered<T>(List<T> elements, byte[][] digests) {}

  /** The elements in name order (sorted if they were not) and their digests. */
  private <T> Ordered<T> inNameOrder(List<T> elements, Function<T, String> name, List<T> known,
      byte[][] knownDigests) {
    byte[][] d = known(elements, name, known, knownDigests);
    if (d == null) {
      List<T> sorted = new ArrayList<>(elements);
      sorted.sort(java.util.Comparator.comparing(name));
      elements = sorted;
      d = known(sorted, name, known, knownDigests);
    }
    for (int i = 0; i < d.length; i++) {
      if (d[i] == null) {
        d[i] = sha256().digest(RouteTableJson.toJson(elements.get(i)));
        digested++;
      }
    }
    return new Ordered<>(elements, d);
  }

  /**
   * The known digest of each element, walking the known elements (in name order) alongside: an
   * element that is the known one at the walk's place reuses its digest; the others' stay null.
   * Null if the elements are not in name order (two next to each other that are known ones next
   * to each other are: only the others' names are compared).
   */
  private static <T> byte[][] known(List<T> elements, Function<T, String> name, List<T> known,
      byte[][] knownDigests) {
    byte[][] out = new byte[elements.size()][];
    int j = 0;
    int lastMatch = -2; // the known index of the previous element, or -2
    for (int i = 0; i < elements.size(); i++) {
      T e = elements.get(i);
      boolean found = j < known.size() && known.get(j) == e;
      if (!found || lastMatch != j - 1) {
        String n = name.apply(e);
        if (i > 0 && name.apply(elements.get(i - 1)).compareTo(n) > 0) {
          return null;
        }
        if (!found) {
          // Not the next known one: skip the known names before this one (removed or renamed).
          while (j < known.size() && known.get(j) != e && name.apply(known.get(j)).compareTo(n) < 0) {
            j++;
          }
          found = j < known.size() && known.get(j) == e;
        }
      }
      if (found) {
        out[i] = knownDigests[j];
        lastMatch = j++;
      } else {
        lastMatch = -2;
      }
    }
    return out;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}

package dev.portcullis.model.push;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.portcullis.model.Certificate;
import dev.portcullis.model.Credential;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.TlsRef;
import dev.portcullis.model.VirtualHost;
import java.util.List;
import java.util.Map;

/** One line of the route server's stream to a data plane. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = PushMessage.Snapshot.class, name = "snapshot"),
    @JsonSubTypes.Type(value = PushMessage.Delta.class, name = "delta"),
    @JsonSubTypes.Type(value = PushMessage.Ping.class, name = "ping")
})
public sealed interface PushMessage {

  /**
   * A complete route table, the certificates its hosts are served with, and the credentials its
   * routes authenticate with.
   *
   * @param version      increases with every table the server publishes
   * @param checksum     the table's content checksum; equal checksums mean equal tables (each host's
   *                     certificate and each route's credential count through their fingerprints in
   *                     the table)
   * @param table        the table
   * @param certificates key material by {@link Certificate#key}; only on the authenticated stream,
   *                     never in a dump or a log
   * @param credentials  password hashes and key sets by {@link dev.portcullis.model.SecretRef#credentialKey};
   *                     like the certificates, only on the authenticated stream
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  record Snapshot(long version, String checksum, RouteTable table, Map<String, Certificate> certificates,
      Map<String, Credential> credentials) implements PushMessage {

    public Snapshot(long version, String checksum, RouteTable table) {
      this(version, checksum, table, Map.of(), Map.of());
    }

    public Snapshot(long version, String checksum, RouteTable table, Map<String, Certificate> certificates) {
      this(version, checksum, table, certificates, Map.of());
    }

    /** Never prints key material or credentials. */
    @Override
    public String toString() {
      return "Snapshot[version=" + version + ", checksum=" + checksum + ", certificates=" + certificates.keySet()
          + ", credentials=" + credentials.keySet() + "]";
    }

    public Snapshot {
      certificates = certificates == null ? Map.of() : Map.copyOf(certificates);
      credentials = credentials == null ? Map.of() : Map.copyOf(credentials);
      if (version <= 0) {
        throw new ModelException("version", "must be positive, was " + version);
      }
      if (checksum == null || checksum.isBlank()) {
        throw new ModelException("checksum", "must not be empty");
      }
      if (table == null) {
        throw new ModelException("table", "is required");
      }
    }
  }

  /**
   * What changed since the table of version {@code base} on the same stream: sent only to data
   * planes that asked for deltas ({@link PushProtocol#DELTAS_HEADER}), never as a stream's first
   * message. The table it makes is the base's hosts and clusters with these replaced, added and
   * removed; {@code checksum} is that whole table's, so a data plane that would make another
   * table refuses it and reconnects for a full snapshot.
   *
   * @param hosts              hosts added or changed (whole)
   * @param removedHosts       hostnames gone
   * @param clusters           clusters added or changed (whole)
   * @param removedClusters    cluster names gone
   * @param certificates       every certificate, when {@code certificatesChanged}; else empty
   * @param credentials        every credential, when {@code credentialsChanged}; else empty
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  record Delta(long version, long base, String checksum, List<VirtualHost> hosts, List<String> removedHosts,
      List<Cluster> clusters, List<String> removedClusters, TlsRef defaultCertificate, boolean certificatesChanged,
      Map<String, Certificate> certificates, boolean credentialsChanged, Map<String, Credential> credentials)
      implements PushMessage {

    public Delta {
      hosts = hosts == null ? List.of() : List.copyOf(hosts);
      removedHosts = removedHosts == null ? List.of() : List.copyOf(removedHosts);
      clusters = clusters == null ? List.of() : List.copyOf(clusters);
      removedClusters = removedClusters == null ? List.of() : List.copyOf(removedClusters);
      certificates = certificates == null ? Map.of() : Map.copyOf(certificates);
      credentials = credentials == null ? Map.of() : Map.copyOf(credentials);
      if (version <= 0 || base <= 0 || base >= version) {
        throw new ModelException("base", "must be positive and below version " + version + ", was " + base);
      }
      if (checksum == null || checksum.isBlank()) {
        throw new ModelException("checksum", "must not be empty");
      }
    }

    /**
     * What changed from {@code from} to {@code to}: hosts and clusters that are not the same
     * instance and not equal count as changed (the translator hands over unchanged ones as the
     * same instances, so equality is rarely asked).
     */
    public static Delta between(Snapshot from, Snapshot to) {
      List<VirtualHost> hosts = new java.util.ArrayList<>();
      List<String> removedHosts = changed(from.table().virtualHosts(), to.table().virtualHosts(),
          VirtualHost::hostname, hosts);
      List<Cluster> clusters = new java.util.ArrayList<>();
      List<String> removedClusters = changed(from.table().clusters(), to.table().clusters(), Cluster::name, clusters);
      boolean certs = !from.certificates().equals(to.certificates());
      boolean creds = !from.credentials().equals(to.credentials());
      return new Delta(to.version(), from.version(), to.checksum(), hosts, removedHosts, clusters, removedClusters,
          to.table().defaultCertificate(), certs, certs ? to.certificates() : Map.of(), creds,
          creds ? to.credentials() : Map.of());
    }

    /** Adds to {@code into} the elements of {@code to} new or changed since {@code from}; returns the names gone. */
    private static <T> List<String> changed(List<T> from, List<T> to, java.util.function.Function<T, String> name,
        List<T> into) {
      if (from.size() == to.size()) {
        // The usual change: the same names at the same places, a few of them new instances. Then
        // those are the changes and nothing went (names are unique in a table), found without
        // hashing 10,000 names.
        List<T> differing = new java.util.ArrayList<>();
        boolean samePlaces = true;
        for (int i = 0; i < to.size() && samePlaces; i++) {
          T old = from.get(i);
          T e = to.get(i);
          if (old != e) {
            samePlaces = name.apply(old).equals(name.apply(e));
            if (samePlaces && !e.equals(old)) {
              differing.add(e);
            }
          }
        }
        if (samePlaces) {
          into.addAll(differing);
          return new java.util.ArrayList<>();
        }
      }
      Map<String, T> before = new java.util.HashMap<>();
      from.forEach(e -> before.put(name.apply(e), e));
      for (T e : to) {
        T old = before.remove(name.apply(e));
        if (old != e && !e.equals(old)) {
          into.add(e);
        }
      }
      return new java.util.ArrayList<>(before.keySet());
    }

    /**
     * {@code base} without the names removed and with {@code changed} in, by name, in name order.
     * A base known to be in name order (tables are sent so, and every table a delta makes is) is
     * edited where the changes fall, found by bisection: 10,000 hosts are copied, not looked up
     * or compared. Any other base is sorted.
     */
    private static <T> List<T> merged(List<T> base, boolean baseInNameOrder, List<String> removed, List<T> changed,
        java.util.function.Function<T, String> name) {
      if (!baseInNameOrder) {
        return sortedMerge(base, removed, changed, name);
      }
      if (removed.isEmpty() && changed.isEmpty()) {
        return base;
      }
      java.util.BitSet gone = new java.util.BitSet();
      for (String n : removed) {
        int at = RouteTable.indexByName(base, n, name);
        if (at >= 0) {
          gone.set(at);
        }
      }
      List<T> kept = new java.util.ArrayList<>(base);
      List<T> added = new java.util.ArrayList<>();
      for (T e : changed) {
        int at = RouteTable.indexByName(base, name.apply(e), name);
        if (at >= 0 && !gone.get(at)) {
          kept.set(at, e);
        } else {
          added.add(e); // new, or named as removed too: then it stays, changed
        }
      }
      if (!gone.isEmpty()) {
        List<T> left = new java.util.ArrayList<>(kept.size() - gone.cardinality() + added.size());
        for (int i = 0; i < kept.size(); i++) {
          if (!gone.get(i)) {
            left.add(kept.get(i));
          }
        }
        kept = left;
      }
      if (added.isEmpty()) {
        return kept;
      }
      added.sort(java.util.Comparator.comparing(name));
      for (int i = 1; i < added.size(); i++) {
        if (name.apply(added.get(i - 1)).equals(name.apply(added.get(i)))) {
          throw new ModelException("delta", "names \"" + name.apply(added.get(i)) + "\" twice");
        }
      }
      if (added.size() <= 16) {
        for (T a : added) {
          kept.add(-RouteTable.indexByName(kept, name.apply(a), name) - 1, a); // names not in kept
        }
        return kept;
      }
      List<T> out = new java.util.ArrayList<>(kept.size() + added.size());
      int i = 0;
      for (T a : added) {
        String n = name.apply(a);
        while (i < kept.size() && name.apply(kept.get(i)).compareTo(n) < 0) {
          out.add(kept.get(i++));
        }
        out.add(a);
      }
      while (i < kept.size()) {
        out.add(kept.get(i++));
      }
      return out;
    }

    private static <T> List<T> sortedMerge(List<T> base, List<String> removed, List<T> changed,
        java.util.function.Function<T, String> name) {
      java.util.TreeMap<String, T> byName = new java.util.TreeMap<>();
      base.forEach(e -> byName.put(name.apply(e), e));
      removed.forEach(byName::remove);
      changed.forEach(e -> byName.put(name.apply(e), e));
      return new java.util.ArrayList<>(byName.values());
    }

    /**
     * The snapshot this delta makes of {@code base}: unchanged hosts and clusters are the base's
     * instances. Hosts and clusters in name order.
     *
     * @throws ModelException if {@code base} is not the table this delta follows, or the result is
     *     not a valid table
     */
    public Snapshot applyTo(Snapshot base) {
      return applyTo(base, base != null && RouteTable.inNameOrder(base.table()));
    }

    /**
     * {@link #applyTo(Snapshot)} for a base whose hosts and clusters are known to be in name
     * order or not (a data plane knows it of the tables it made or checked): the table made is in
     * name order either way.
     */
    public Snapshot applyTo(Snapshot base, boolean baseInNameOrder) {
      if (base == null || base.version() != this.base) {
        throw new ModelException("base", "is version " + this.base + " but the last table received is "
            + (base == null ? "none" : "version " + base.version()));
      }
      // The base table is valid: only what this delta changes needs checking.
      RouteTable table = RouteTable.edited(base.table(),
          merged(base.table().virtualHosts(), baseInNameOrder, removedHosts, hosts, VirtualHost::hostname),
          merged(base.table().clusters(), baseInNameOrder, removedClusters, clusters, Cluster::name),
          defaultCertificate, hosts, !removedClusters.isEmpty(), true);
      return new Snapshot(version, checksum, table, certificatesChanged ? certificates : base.certificates(),
          credentialsChanged ? credentials : base.credentials());
    }

    /** Never prints key material or credentials. */
    @Override
    public String toString() {
      return "Delta[version=" + version + ", base=" + base + ", checksum=" + checksum + ", hosts=" + hosts.size()
          + ", removedHosts=" + removedHosts.size() + ", clusters=" + clusters.size() + ", removedClusters="
          + removedClusters.size() + "]";
    }
  }

  /** Sent when nothing else was, so that both ends notice a dead connection. */
  record Ping(long serverTimeMillis) implements PushMessage {}
}

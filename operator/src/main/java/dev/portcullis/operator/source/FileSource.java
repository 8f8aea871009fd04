package dev.portcullis.operator.source;

import dev.portcullis.model.RouteTableJson;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.manifest.ManifestProblem;
import dev.portcullis.translator.manifest.ManifestReader;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's source: every {@code *.yaml}, {@code *.yml} and {@code *.json} file under a folder
 * (subfolders included, hidden files and folders skipped), read into a {@link ClusterSnapshot},
 * and read again whenever a file changes.
 *
 * <p>Changes are noticed through the platform's file watcher and, as a safety net where that is
 * slow or absent, by polling file sizes and modification times every {@value #POLL_MS} ms. A file
 * that cannot be parsed keeps its last good objects (and the problem is reported), as the API server
 * would keep the last good object when it refuses an update; an object that cannot be read likewise
 * keeps its last good version.
 */
public final class FileSource implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FileSource.class);
  static final long POLL_MS = 250;
  /**
   * By default a changed file must stay unchanged this long before it is read, so half-written
   * files are not (an editor, {@code kubectl} or {@code cp} writes a file in one go, well within
   * it; a file emptied first, as a shell's {@code >} does, must stay empty for {@link #EMPTY_MS}).
   * Every change waits this long: it is most of the time from a save to the route being served.
   * A writer that pauses longer mid-file (a slow network file system, a script writing document
   * by document) needs a longer settle ({@code portcullis local --settle}).
   */
  public static final long SETTLE_MS = 15;
  /** The longest settle that may be asked for: beyond it a change would no longer be served "at once". */
  public static final long MAX_SETTLE_MS = 10_000;
  /** How long after a watch event the files are first looked at. */
  static final long FIRST_LOOK_MS = 2;
  public static final long MAX_FILE_BYTES = 16 * 1024 * 1024;

  /** One reading of the folder: the objects, the files read, what could not be read, and the kinds skipped. */
  public record Load(ClusterSnapshot snapshot, List<String> files, List<ManifestProblem> problems,
      List<String> skipped, List<Map<String, String>> origins) {
    public Load {
      origins = List.copyOf(origins);
    }

    public Load(ClusterSnapshot snapshot, List<String> files, List<ManifestProblem> problems, List<String> skipped) {
      this(snapshot, files, problems, skipped, List.of());
    }

    /**
     * Where an object ({@code Kind namespace/name}) was read: its file and document, or null.
     * {@code origins} holds each file's, in the order files are read: the first file that holds an
     * object is the one whose copy counts.
     */
    public String origin(String object) {
      for (Map<String, String> file : origins) {
        String origin = file.get(object);
        if (origin != null) {
          return origin;
        }
      }
      return null;
    }
  }

  private record Stamp(long size, long modified) {}

  private record ObjectId(String kind, String namespace, String name) {}

  private final Path root;
  private final ManifestReader reader;
  private final Consumer<Load> listener;
  private final long settleMs;
  private final Map<ObjectId, HasMetadata> lastGoodByObject = new HashMap<>();
  /** Per object: the hash of its content other than metadata, and its generation, as the API server keeps it. */
  private final Map<ObjectId, long[]> generations = new HashMap<>();
  private Map<Path, Stamp> stamps = Map.of();
  /**
   * Files found emptied, and since when: one is taken as empty only once it has stayed so for
   * {@link #EMPTY_MS}. A writer truncates before it writes, and on a busy machine it can be kept
   * off the CPU in between for longer than a look takes.
   */
  private final Map<Path, Long> emptySince = new HashMap<>();
  static final long EMPTY_MS = 500;
  /** What {@link #load} returns when a file changed while it was being read. */
  private static final Load TORN = new Load(ClusterSnapshot.EMPTY, List.of(), List.of(), List.of());
  private Map<Path, String> contents = Map.of();
  private WatchService watcher;
  private final Set<Path> watchedDirs = new HashSet<>();
  /**
   * The files watch events named since the last load; null: read every file (at start, without
   * a watcher, after the watcher lost events). A file neither named nor changed in size or time
   * keeps the content read last time: one edit among hundreds of files reads one file.
   */
  private Set<Path> touched;
  /** Files that could not be read last time (too large, unreadable): read again every time until they can be. */
  private Set<Path> failed = new HashSet<>();
  private Thread thread;
  private volatile boolean closed;

  public FileSource(Path root, ManifestReader reader, Consumer<Load> listener) {
    this(root, reader, listener, SETTLE_MS);
  }

  /**
   * @param settleMs how long a changed file must stay unchanged before it is read, 1 to
   *                 {@link #MAX_SETTLE_MS}
   */
  public FileSource(Path root, ManifestReader reader, Consumer<Load> listener, long settleMs) {
    if (settleMs < 1 || settleMs > MAX_SETTLE_MS) {
      throw new IllegalArgumentException("settle must be 1 to " + MAX_SETTLE_MS + " ms, not " + settleMs);
    }
    this.root = root.toAbsolutePath().normalize();
    this.reader = reader;
    this.listener = listener;
    this.settleMs = settleMs;
  }

  public Path root() {
    return root;
  }

  /** Reads the folder once (the listener hears the first load before this returns), then watches it. */
  public FileSource start() throws IOException {
    if (!Files.isDirectory(root)) {
      throw new NoSuchFileException(root.toString(), null, "not a directory");
    }
    try {
      watcher = FileSystems.getDefault().newWatchService();
    } catch (IOException | UnsupportedOperationException e) {
      LOG.info("no file watcher on this platform ({}); polling {} every {} ms", e, root, POLL_MS);
    }
    Load first;
    do {
      stamps = scan();
      first = load(stamps);
    } while (first == TORN);
    touched = watcher == null ? null : new HashSet<>();
    listener.accept(first);
    thread = new Thread(this::watchLoop, "file-source");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  private void watchLoop() {
    while (!closed) {
      try {
        boolean event = awaitEvent();
        if (event) {
          // The event can come with a write's first bytes: a look right away would then find the
          // file still being written and have to settle twice.
          Thread.sleep(FIRST_LOOK_MS);
        }
        Map<Path, Stamp> now = event ? look() : scan();
        if (!event && now.equals(stamps)) {
          continue;
        }
        // Wait for the files to settle, so that a file caught half-written is not read.
        Map<Path, Stamp> settled;
        do {
          Thread.sleep(settleMs);
          settled = now;
          now = event ? look() : scan();
        } while (!now.equals(settled) && !closed);
        Load load = load(now);
        if (load == TORN) {
          // A file changed while it was read (an editor saving in place): read it again shortly.
          Thread.sleep(settleMs);
          continue;
        }
        stamps = now;
        touched = watcher == null ? null : new HashSet<>();
        if (load != null) {
          listener.accept(load);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ClosedWatchServiceException e) {
        return;
      } catch (IOException | RuntimeException e) {
        LOG.warn("reading {} failed, keeping the last good configuration: {}", root, e.toString());
        sleepQuietly();
      }
    }
  }

  /** Waits up to one poll interval for a watch event; true if one arrived. */
  private boolean awaitEvent() throws InterruptedException {
    if (watcher == null) {
      Thread.sleep(POLL_MS);
      return false;
    }
    WatchKey key = watcher.poll(POLL_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    if (key == null) {
      return false;
    }
    take(key);
    drainEvents();
    return true;
  }

  /** Notes the files a watch key's events name in {@link #touched} (null: look at everything). */
  private void take(WatchKey key) {
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.kind() == StandardWatchEventKinds.OVERFLOW || !(event.context() instanceof Path name)) {
        touched = null;
      } else if (touched != null) {
        touched.add(((Path) key.watchable()).resolve(name));
      }
    }
    if (!key.reset()) {
      watchedDirs.remove((Path) key.watchable());
      touched = null; // a watched folder went: look at everything
    }
  }

  private void sleepQuietly() {
    try {
      Thread.sleep(POLL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The manifest files and their sizes and times, after the watch events so far: the last scan's
   * with the files the events named looked at again, one {@code lstat} each. A folder named, or
   * events lost, and it is a whole {@link #scan}: a folder of hundreds of files is not walked
   * twice for every save.
   */
  private Map<Path, Stamp> look() throws IOException {
    drainEvents();
    if (touched == null) {
      return scan();
    }
    Map<Path, Stamp> found = new TreeMap<>(stamps);
    for (Path p : touched) {
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        if (found.remove(p) == null && !found.isEmpty() && isFolderOfKnown(p, found)) {
          return scan(); // a folder went
        }
        continue;
      }
      if (a.isDirectory()) {
        return scan(); // a folder came, or changed: what is in it is looked at too
      }
      if (a.isRegularFile() && ManifestFiles.isManifest(p)) {
        found.put(p, new Stamp(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS)));
      } else {
        found.remove(p);
      }
    }
    return found;
  }

  /** Whether some file of {@code files} is under {@code dir}. */
  private static boolean isFolderOfKnown(Path dir, Map<Path, Stamp> files) {
    for (Path f : files.keySet()) {
      if (f.startsWith(dir) && !f.equals(dir)) {
        return true;
      }
    }
    return false;
  }

  /** Takes the watch events that came since the last look into {@link #touched}, without waiting. */
  private void drainEvents() {
    if (watcher == null) {
      return;
    }
    for (WatchKey key = watcher.poll(); key != null; key = watcher.poll()) {
      take(key);
    }
  }

  /** The manifest files under the root and their sizes and times; registers new folders with the watcher. */
  private Map<Path, Stamp> scan() throws IOException {
    Map<Path, Stamp> found = new TreeMap<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        if (!dir.equals(root) && dir.getFileName().toString().startsWith(".")) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        if (watcher != null && watchedDirs.add(dir)) {
          try {
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
          } catch (IOException e) {
            watchedDirs.remove(dir);
          }
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile() && ManifestFiles.isManifest(file)) {
          found.put(file, new Stamp(attrs.size(), attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS)));
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) {
        return FileVisitResult.CONTINUE;
      }
    });
    return found;
  }

  private boolean emptyLongEnough(Path file) {
    long now = System.nanoTime();
    Long since = emptySince.putIfAbsent(file, now);
    if (since != null && now - since >= EMPTY_MS * 1_000_000L) {
      emptySince.remove(file);
      return true;
    }
    return false;
  }

  /** Reads every file; null when no file's content changed since the last load. */
  private Load load(Map<Path, Stamp> files) throws IOException {
    Map<Path, String> read = new TreeMap<>();
    List<ManifestProblem> problems = new ArrayList<>();
    Set<Path> unreadable = new HashSet<>();
    for (Map.Entry<Path, Stamp> e : files.entrySet()) {
      Path file = e.getKey();
      String name = display(file);
      if (e.getValue().size() > MAX_FILE_BYTES) {
        problems.add(new ManifestProblem(name, 0, null, "", "FileTooLarge",
            "files over " + MAX_FILE_BYTES / (1024 * 1024) + " MiB are not read; its last good objects are kept"));
        read.put(file, contents.getOrDefault(file, ""));
        continue;
      }
      if (touched != null && !touchedUnder(file) && !failed.contains(file) && e.getValue().equals(stamps.get(file))
          && contents.containsKey(file)) {
        read.put(file, contents.get(file)); // no event named it, and it has the size and time it had
        continue;
      }
      try {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        boolean emptied = content.isBlank() && !contents.getOrDefault(file, "").isBlank();
        if (!emptied) {
          emptySince.remove(file);
        }
        if (!stamp(file).equals(e.getValue()) || (emptied && !emptyLongEnough(file))) {
          // Changed under us, or emptied: an empty file counts only once it has stayed empty.
          return TORN;
        }
        read.put(file, content);
      } catch (NoSuchFileException gone) {
        // deleted between scan and read: the next scan notices
      } catch (IOException ex) {
        problems.add(new ManifestProblem(name, 0, null, "", "Unreadable", ex.toString()
            + "; its last good objects are kept"));
        read.put(file, contents.getOrDefault(file, ""));
        unreadable.add(file);
      }
    }
    failed = unreadable;
    if (read.equals(contents) && problems.isEmpty() && !contents.isEmpty()) {
      return null;
    }
    Map<Path, String> before = contents;
    contents = read;
    List<String> skipped = new ArrayList<>();

    // Each file as it reads now: files whose text did not change read as they did (with thousands
    // of objects in many files, one edit must cost the reading of one file, not of all of them).
    Map<Path, FileRead> now = new TreeMap<>();
    Set<Path> changed = new HashSet<>();
    for (Map.Entry<Path, String> e : read.entrySet()) {
      FileRead last = fileReads.get(e.getKey());
      if (last != null && e.getValue().equals(before.get(e.getKey()))) {
        now.put(e.getKey(), last);
      } else {
        now.put(e.getKey(), readFile(e.getKey(), e.getValue()));
        changed.add(e.getKey());
      }
    }
    Set<Path> gone = new HashSet<>(fileReads.keySet());
    gone.removeAll(now.keySet());
    ClusterSnapshot snapshot = lastSnapshot != null && !lastDuplicates ? edited(now, changed, gone) : null;
    List<ManifestProblem> duplicates = new ArrayList<>();
    if (snapshot == null) {
      snapshot = assembled(now, duplicates);
    }
    for (FileRead f : now.values()) {
      problems.addAll(f.problems());
      skipped.addAll(f.skipped());
    }
    problems.addAll(duplicates);
    fileReads = now;
    lastSnapshot = snapshot;
    List<Map<String, String>> origins = new ArrayList<>(now.size());
    now.values().forEach(f -> origins.add(f.origins()));
    return new Load(snapshot, read.keySet().stream().map(this::display).toList(), problems, skipped, origins);
  }

  /**
   * One file as read: the documents of kinds not read, the objects it contributes (its last good
   * ones where it cannot be parsed), the problems it has, and where each of its objects is ({@code Kind ns/name}
   * to {@code file#document}). When the file splits plainly into documents, also the text read
   * (the very string the source keeps for the file), where each document is in it, and each
   * document as read: the next reading of the file parses only the documents whose text changed.
   */
  private record FileRead(List<String> skipped, List<ManifestReader.Manifest> objects,
      List<ManifestProblem> problems, Map<String, String> origins, String content, int[] bounds,
      List<DocumentRead> documents) {}

  /**
   * One document as read: its objects (the instances kept, see {@link #unchanged}), its problems
   * from the parse, those of objects whose last good version stands in, and whether the parse gave
   * it objects (which {@link ManifestReader#ambiguousKeys} looks at).
   */
  private record DocumentRead(List<ManifestReader.Manifest> objects, List<ManifestProblem> problems,
      List<ManifestProblem> kept, List<String> skipped, boolean ours) {}

  /** Every file as the last load read it, in path order. */
  private Map<Path, FileRead> fileReads = new TreeMap<>();
  /** The last load's snapshot, and whether an object was defined twice in it (then the next load assembles all anew). */
  private ClusterSnapshot lastSnapshot;
  private boolean lastDuplicates;
  /** Which file holds each object of the last snapshot. */
  private final Map<ObjectId, Path> fileOf = new HashMap<>();

  private FileRead readFile(Path file, String content) {
    int[] bounds = ManifestReader.documentBounds(content);
    if (bounds != null) {
      FileRead byDocument = readByDocument(file, content, bounds);
      if (byDocument != null) {
        return byDocument;
      }
    }
    String name = display(file);
    ManifestReader.Result r = reader.read(content, name);
    List<ManifestProblem> problems = new ArrayList<>(r.problems());
    List<ManifestReader.Manifest> objects = new ArrayList<>(r.objects());
    boolean syntaxBroken = r.problems().stream().anyMatch(p -> p.reason().equals("InvalidYAML"));
    FileRead last = fileReads.get(file);
    if (syntaxBroken && last != null) {
      objects = new ArrayList<>(last.objects());
      problems.add(new ManifestProblem(name, 0, null, "", "KeptLastGood",
          "the file cannot be parsed; its last good objects keep serving until it is fixed"));
    } else {
      problems.addAll(keptLastGood(name, r.problems(), objects));
    }
    Map<String, String> origins = new HashMap<>();
    keep(objects, origins);
    // Not the parse result itself: its objects are copies of those kept as they were.
    return new FileRead(List.copyOf(r.skipped()), List.copyOf(objects), List.copyOf(problems),
        java.util.Collections.unmodifiableMap(origins), null, null, null);
  }

  /**
   * Reads a file that splits plainly into documents, one document at a time: a document whose
   * text is what it was at the same place last time is taken as it was read then, unparsed. Gives
   * what {@link ManifestReader#read} of the whole file would, in the same order. Null when a
   * document cannot be read alone (a syntax error): then the file is read whole.
   */
  private FileRead readByDocument(Path file, String content, int[] bounds) {
    String name = display(file);
    FileRead last = fileReads.get(file);
    List<DocumentRead> documents = new ArrayList<>(bounds.length / 2);
    java.util.Set<Integer> ours = new HashSet<>();
    for (int i = 0; i < bounds.length / 2; i++) {
      int from = bounds[2 * i];
      int to = bounds[2 * i + 1];
      DocumentRead doc = null;
      if (last != null && last.documents() != null && 2 * i + 1 < last.bounds().length
          && last.bounds()[2 * i + 1] - last.bounds()[2 * i] == to - from
          && content.regionMatches(from, last.content(), last.bounds()[2 * i], to - from)) {
        doc = last.documents().get(i); // the same text where it was: read as it was
      }
      if (doc == null) {
        ManifestReader.Result r = reader.readDocument(content.substring(from, to), name, i + 1);
        if (r == null) {
          return null;
        }
        List<ManifestReader.Manifest> objects = new ArrayList<>(r.objects());
        List<ManifestProblem> kept = keptLastGood(name, r.problems(), objects);
        keep(objects, null);
        doc = new DocumentRead(List.copyOf(objects), List.copyOf(r.problems()), List.copyOf(kept),
            List.copyOf(r.skipped()), !r.objects().isEmpty());
      }
      if (doc.ours()) {
        ours.add(i + 1);
      }
      documents.add(doc);
    }
    // In the order a whole read gives them: the parse's problems document by document, the
    // ambiguous keys of the file, then the objects whose last good version stands in.
    List<ManifestReader.Manifest> objects = new ArrayList<>();
    List<ManifestProblem> problems = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (DocumentRead doc : documents) {
      objects.addAll(doc.objects());
      problems.addAll(doc.problems());
      skipped.addAll(doc.skipped());
    }
    ManifestReader.ambiguousKeys(content, name, ours, problems);
    documents.forEach(doc -> problems.addAll(doc.kept()));
    Map<String, String> origins = new HashMap<>();
    objects.forEach(m -> origins.putIfAbsent(ManifestFiles.id(m.object()), m.origin()));
    return new FileRead(List.copyOf(skipped), List.copyOf(objects), List.copyOf(problems),
        java.util.Collections.unmodifiableMap(origins), content, bounds, List.copyOf(documents));
  }

  /**
   * For each object the parse refused ({@code problems} naming it) that had a last good version:
   * that version, added to {@code objects}, and the problem saying so.
   */
  private List<ManifestProblem> keptLastGood(String name, List<ManifestProblem> problems,
      List<ManifestReader.Manifest> objects) {
    List<ManifestProblem> kept = new ArrayList<>();
    for (ManifestProblem p : problems) {
      HasMetadata previous = p.object() == null ? null : lastGoodByObject.get(idOf(p.object()));
      if (previous != null) {
        objects.add(new ManifestReader.Manifest(previous, name + "#" + p.document()));
        kept.add(new ManifestProblem(name, p.document(), p.object(), "", "KeptLastGood",
            "its last good version keeps serving until it is fixed"));
      }
    }
    return kept;
  }

  /**
   * Puts in place of each object read the instance kept for it if it reads the same (see
   * {@link #unchanged}), else gives it its generation; and notes where each is, when asked.
   */
  private void keep(List<ManifestReader.Manifest> objects, Map<String, String> origins) {
    for (int i = 0; i < objects.size(); i++) {
      ManifestReader.Manifest m = objects.get(i);
      HasMetadata kept = unchanged(m.object());
      if (kept != null) {
        // Read again as it was: the very instance stays, and the translator knows it unchanged.
        objects.set(i, new ManifestReader.Manifest(kept, m.origin()));
      } else {
        generation(m.object());
      }
      if (origins != null) {
        origins.putIfAbsent(ManifestFiles.id(m.object()), m.origin());
      }
    }
  }

  /**
   * The last good instance of an object if the object reads the same as it (its generation aside,
   * which the API server sets and this source copies), else null.
   */
  private HasMetadata unchanged(HasMetadata object) {
    HasMetadata previous = lastGoodByObject.get(idOf(object));
    if (previous == null || previous == object) {
      return previous;
    }
    Long mine = object.getMetadata().getGeneration();
    object.getMetadata().setGeneration(previous.getMetadata().getGeneration());
    boolean same = previous.getClass() == object.getClass() && previous.equals(object);
    object.getMetadata().setGeneration(mine);
    return same ? previous : null;
  }

  /** Every file's objects into a new snapshot, the first of two of the same kind and name kept. */
  private ClusterSnapshot assembled(Map<Path, FileRead> now, List<ManifestProblem> duplicates) {
    ClusterSnapshot.Builder snapshot = ClusterSnapshot.builder();
    Map<String, String> origins = ManifestFiles.newOrigins();
    fileOf.clear();
    lastGoodByObject.clear();
    for (Map.Entry<Path, FileRead> e : now.entrySet()) {
      List<ManifestReader.Manifest> objects = e.getValue().objects();
      ManifestFiles.addAll(snapshot, objects, display(e.getKey()), origins, duplicates);
      for (ManifestReader.Manifest m : objects) {
        ObjectId id = idOf(m.object());
        fileOf.putIfAbsent(id, e.getKey());
        lastGoodByObject.putIfAbsent(id, m.object());
      }
    }
    lastDuplicates = !duplicates.isEmpty();
    return snapshot.build();
  }

  /**
   * The last snapshot with the changed and removed files' objects taken out and their new ones put
   * in: every other object stays, unread. Null when an object would now be defined twice (the
   * snapshot is then assembled anew, which reports it).
   */
  private ClusterSnapshot edited(Map<Path, FileRead> now, Set<Path> changed, Set<Path> gone) {
    Set<ObjectId> incoming = new HashSet<>();
    for (Path file : changed) {
      for (ManifestReader.Manifest m : now.get(file).objects()) {
        ObjectId id = idOf(m.object());
        Path holder = fileOf.get(id);
        if (!incoming.add(id) || (holder != null && !changed.contains(holder) && !gone.contains(holder))) {
          return null;
        }
      }
    }
    ClusterSnapshot.Builder snapshot = lastSnapshot.edit();
    List<Path> touched = new ArrayList<>(changed);
    touched.addAll(gone);
    // Removals first: an object that moved from one changed file to another is then put back.
    for (Path file : touched) {
      FileRead last = fileReads.get(file);
      if (last == null) {
        continue;
      }
      for (ManifestReader.Manifest m : last.objects()) {
        ObjectId id = idOf(m.object());
        if (!incoming.contains(id)) {
          fileOf.remove(id);
          lastGoodByObject.remove(id);
          if (ClusterSnapshot.Builder.supports(m.object())) {
            snapshot.remove(m.object());
          }
        }
      }
    }
    for (Path file : changed) {
      for (ManifestReader.Manifest m : now.get(file).objects()) {
        ObjectId id = idOf(m.object());
        fileOf.put(id, file);
        if (lastGoodByObject.put(id, m.object()) != m.object() && ClusterSnapshot.Builder.supports(m.object())) {
          snapshot.put(m.object());
        }
      }
    }
    return snapshot.build();
  }

  /** Whether an event named the file or a folder it is in (a folder moved into place names only itself). */
  private boolean touchedUnder(Path file) {
    for (Path p = file; p != null && p.startsWith(root); p = p.getParent()) {
      if (touched.contains(p)) {
        return true;
      }
    }
    return false;
  }

  private static Stamp stamp(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return new Stamp(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS));
  }

  /**
   * Sets metadata.generation as the API server would: 1 at first, one more each time the object's
   * content (anything but its metadata) changes. Status conditions report it.
   */
  private void generation(HasMetadata object) {
    long hash;
    try {
      com.fasterxml.jackson.databind.node.ObjectNode tree = RouteTableJson.mapper().valueToTree(object);
      tree.remove("metadata");
      tree.remove("status");
      hash = java.util.Arrays.hashCode(RouteTableJson.mapper().writeValueAsBytes(tree));
    } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
      hash = 0;
    }
    long h = hash;
    long[] state = generations.compute(idOf(object), (k, v) -> v == null ? new long[] {h, 1}
        : v[0] == h ? v : new long[] {h, v[1] + 1});
    object.getMetadata().setGeneration(state[1]);
  }

  private static ObjectId idOf(HasMetadata o) {
    return new ObjectId(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  /** Parses {@code Kind ns/name} or {@code Kind name} as written in problems. */
  private static ObjectId idOf(String display) {
    String[] parts = display.split(" ", 2);
    if (parts.length < 2) {
      return new ObjectId(parts[0], null, null);
    }
    int slash = parts[1].indexOf('/');
    return slash < 0 ? new ObjectId(parts[0], null, parts[1])
        : new ObjectId(parts[0], parts[1].substring(0, slash), parts[1].substring(slash + 1));
  }

  private String display(Path file) {
    Path rel = root.relativize(file);
    return Objects.toString(rel).replace('\\', '/');
  }

  @Override
  public void close() {
    closed = true;
    if (thread != null) {
      thread.interrupt();
    }
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        LOG.debug("closing the watcher", e);
      }
    }
  }
}

package dev.portcullis.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.translator.manifest.ManifestProblem;
import dev.portcullis.translator.manifest.ManifestReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSourceTest {

  static String service(String name) {
    return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\nspec:\n  ports:\n  - port: 80\n";
  }

  @Test
  void readsTheTreeAndFollowsChanges(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.yaml"), service("a") + "---\n" + service("b"));
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/c.yml"), service("c"));
    Files.createDirectories(dir.resolve(".hidden"));
    Files.writeString(dir.resolve(".hidden/d.yaml"), service("d"));
    Files.writeString(dir.resolve("notes.txt"), "not a manifest");
    AtomicReference<FileSource.Load> last = new AtomicReference<>();
    AtomicInteger loads = new AtomicInteger();
    try (FileSource source = new FileSource(dir, new ManifestReader(), l -> {
      last.set(l);
      loads.incrementAndGet();
    }).start()) {
      assertThat(last.get().snapshot().services()).extracting(s -> s.getMetadata().getName()).containsExactly("a", "b", "c");
      assertThat(last.get().files()).containsExactly("a.yaml", "sub/c.yml");

      long start = System.nanoTime();
      Files.writeString(dir.resolve("sub/new.json"), "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"e\"}}");
      await().atMost(Duration.ofSeconds(2)).until(() -> last.get().snapshot().services().size() == 4);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));

      Files.delete(dir.resolve("a.yaml"));
      await().atMost(Duration.ofSeconds(2)).until(() -> last.get().snapshot().services().size() == 2);

      int before = loads.get();
      Files.writeString(dir.resolve("sub/c.yml"), service("c"));
      Thread.sleep(800);
      assertThat(loads.get()).as("rewriting the same content changes nothing").isEqualTo(before);
    }
  }

  /**
   * After a watch event only the files it names are looked at again: folders that come (with
   * files already in them), go, and files renamed must still be followed, each as a whole look.
   */
  @Test
  void foldersAndFilesThatComeGoAndMoveAreFollowed(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.yaml"), service("a"));
    AtomicReference<FileSource.Load> last = new AtomicReference<>();
    try (FileSource source = new FileSource(dir, new ManifestReader(), last::set).start()) {
      Path staged = dir.resolve(".staged"); // hidden: not read until it is moved into place
      Files.createDirectories(staged.resolve("deep"));
      Files.writeString(staged.resolve("b.yaml"), service("b"));
      Files.writeString(staged.resolve("deep/c.yaml"), service("c"));
      Files.move(staged, dir.resolve("team"));
      await().atMost(Duration.ofSeconds(3)).until(() -> last.get().files().size() == 3);
      assertThat(last.get().files()).containsExactly("a.yaml", "team/b.yaml", "team/deep/c.yaml");

      // A file in the new folder, made after it was found: the folder is watched now.
      Files.writeString(dir.resolve("team/deep/d.yaml"), service("d"));
      await().atMost(Duration.ofSeconds(3)).until(() -> last.get().snapshot().services().size() == 4);

      Files.move(dir.resolve("a.yaml"), dir.resolve("renamed.yaml"));
      await().atMost(Duration.ofSeconds(3)).until(() -> last.get().files().contains("renamed.yaml"));
      assertThat(last.get().files()).doesNotContain("a.yaml");
      assertThat(last.get().snapshot().services()).extracting(s -> s.getMetadata().getName())
          .containsExactlyInAnyOrder("a", "b", "c", "d");

      try (var files = Files.walk(dir.resolve("team"))) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
      await().atMost(Duration.ofSeconds(3)).until(() -> last.get().snapshot().services().size() == 1);
      assertThat(last.get().files()).containsExactly("renamed.yaml");
    }
  }

  @Test
  void anEditThatKeepsTheFilesSizeAndTimeIsStillRead(@TempDir Path dir) throws Exception {
    // Only files that watch events name, or whose size or time changed, are read again: an
    // editor that keeps both (or a coarse clock) must not hide an edit.
    Path file = dir.resolve("a.yaml");
    Files.writeString(file, service("aaa"));
    Files.writeString(dir.resolve("other.yaml"), service("other"));
    java.nio.file.attribute.FileTime time = Files.getLastModifiedTime(file);
    AtomicReference<FileSource.Load> last = new AtomicReference<>();
    try (FileSource source = new FileSource(dir, new ManifestReader(), last::set).start()) {
      assertThat(last.get().snapshot().services()).extracting(s -> s.getMetadata().getName())
          .containsExactly("aaa", "other");
      Files.writeString(file, service("bbb"));
      Files.setLastModifiedTime(file, time);
      await().atMost(Duration.ofSeconds(3)).until(() -> last.get().snapshot().services().stream()
          .anyMatch(s -> s.getMetadata().getName().equals("bbb")));
      assertThat(last.get().snapshot().services()).extracting(s -> s.getMetadata().getName())
          .containsExactly("bbb", "other");
    }
  }

  @Test
  void aFolderMovedIntoPlaceIsReadWhateverItsFilesTimes(@TempDir Path dir) throws Exception {
    // A deploy that swaps folders: the event names the folder, and the new file has the old one's
    // size and time (cp -a, tar).
    Path apps = dir.resolve("apps");
    Files.createDirectories(apps);
    Files.writeString(apps.resolve("a.yaml"), service("aaa"));
    java.nio.file.attribute.FileTime time = Files.getLastModifiedTime(apps.resolve("a.yaml"));
    Path staged = dir.resolve(".staged");
    Files.createDirectories(staged);
    Files.writeString(staged.resolve("a.yaml"), service("bbb"));
    Files.setLastModifiedTime(staged.resolve("a.yaml"), time);
    AtomicReference<FileSource.Load> last = new AtomicReference<>();
    try (FileSource source = new FileSource(dir, new ManifestReader(), last::set).start()) {
      assertThat(last.get().snapshot().services()).extracting(s -> s.getMetadata().getName()).containsExactly("aaa");
      Files.move(apps, dir.resolve(".old"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      Files.move(staged, apps, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      await().atMost(Duration.ofSeconds(3)).until(() -> last.get().snapshot().services().stream()
          .anyMatch(s -> s.getMetadata().getName().equals("bbb")));
    }
  }

  @Test
  void aBrokenFileKeepsItsLastGoodObjects(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("svc.yaml");
    Files.writeString(file, service("a") + "---\n" + service("b"));
    Files.writeString(dir.resolve("other.yaml"), service("other"));
    AtomicReference<FileSource.Load> last = new AtomicReference<>();
    try (FileSource source = new FileSource(dir, new ManifestReader(), last::set).start()) {
      Files.writeString(file, service("a") + "---\n  broken: [yaml\n");
      await().atMost(Duration.ofSeconds(2)).until(() -> !last.get().problems().isEmpty());
      assertThat(last.get().snapshot().services()).extracting(s -> s.getMetadata().getName())
          .containsExactly("a", "b", "other");
      assertThat(last.get().problems()).extracting(ManifestProblem::reason).contains("InvalidYAML", "KeptLastGood");
      assertThat(last.get().problems()).allSatisfy(p -> assertThat(p.file()).isEqualTo("svc.yaml"));

      Files.writeString(file, service("a"));
      await().atMost(Duration.ofSeconds(2)).until(() -> last.get().problems().isEmpty());
      assertThat(last.get().snapshot().services()).extracting(s -> s.getMetadata().getName()).containsExactly("a", "other");
    }
  }

  @Test
  void aBrokenObjectKeepsItsLastGoodVersion(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("svc.yaml");
    Files.writeString(file, service("a") + "---\n" + service("b"));
    AtomicReference<FileSource.Load> last = new AtomicReference<>();
    try (FileSource source = new FileSource(dir, new ManifestReader(), last::set).start()) {
      Files.writeString(file, service("a") + "---\n" + service("b").replace("port: 80", "port: eighty"));
      await().atMost(Duration.ofSeconds(2)).until(() -> !last.get().problems().isEmpty());
      assertThat(last.get().snapshot().service("default", "b")).hasValueSatisfying(
          s -> assertThat(s.getSpec().getPorts().get(0).getPort()).isEqualTo(80));
      assertThat(last.get().problems()).extracting(ManifestProblem::object).contains("Service default/b");
    }
  }

  @Test
  void duplicatesAreReportedAndTheFirstKept(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("1.yaml"), service("a"));
    Files.writeString(dir.resolve("2.yaml"), service("a").replace("port: 80", "port: 81"));
    AtomicReference<FileSource.Load> last = new AtomicReference<>();
    try (FileSource source = new FileSource(dir, new ManifestReader(), last::set).start()) {
      assertThat(last.get().snapshot().service("default", "a")).hasValueSatisfying(
          s -> assertThat(s.getSpec().getPorts().get(0).getPort()).isEqualTo(80));
      assertThat(last.get().problems()).singleElement().satisfies(p -> {
        assertThat(p.reason()).isEqualTo("DuplicateObject");
        assertThat(p.file()).isEqualTo("2.yaml");
        assertThat(p.message()).contains("1.yaml#1");
      });
    }
  }

  @Test
  void anEditKeepsTheOtherObjectsOfTheFileAsTheSameInstances(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.yaml"), service("a") + "---\n" + service("b"));
    Files.writeString(dir.resolve("c.yaml"), service("c"));
    AtomicReference<FileSource.Load> last = new AtomicReference<>();
    try (FileSource source = new FileSource(dir, new ManifestReader(), last::set).start()) {
      FileSource.Load first = last.get();
      var a = first.snapshot().service("default", "a").orElseThrow();
      var b = first.snapshot().service("default", "b").orElseThrow();
      var c = first.snapshot().service("default", "c").orElseThrow();
      Files.writeString(dir.resolve("a.yaml"), service("a") + "---\n" + service("b").replace("port: 80", "port: 8080"));
      await().atMost(Duration.ofSeconds(10)).until(() -> last.get() != first);
      FileSource.Load second = last.get();
      // The object read the same is the very instance it was (the translator reuses its routes);
      // the edited one is new, with a new generation; the untouched file's object stays too.
      assertThat(second.snapshot().service("default", "a")).containsSame(a);
      assertThat(second.snapshot().service("default", "c")).containsSame(c);
      var b2 = second.snapshot().service("default", "b").orElseThrow();
      assertThat(b2).isNotSameAs(b);
      assertThat(b2.getSpec().getPorts().get(0).getPort()).isEqualTo(8080);
      assertThat(b2.getMetadata().getGeneration()).isEqualTo(b.getMetadata().getGeneration() + 1);
      assertThat(a.getMetadata().getGeneration()).isEqualTo(1L);
      assertThat(second.origin("Service default/b")).isEqualTo("a.yaml#2");
      assertThat(second.origin("Service default/c")).isEqualTo("c.yaml#1");

      // An object moved to another file is still there once, now from there.
      Files.writeString(dir.resolve("a.yaml"), service("a"));
      Files.writeString(dir.resolve("c.yaml"), service("c") + "---\n" + service("b").replace("port: 80", "port: 8080"));
      await().atMost(Duration.ofSeconds(10)).until(() -> last.get().origin("Service default/b") != null
          && last.get().origin("Service default/b").equals("c.yaml#2")
          && last.get().snapshot().service("default", "b").isPresent() && !last.get().files().isEmpty()
          && last.get().snapshot().services().size() == 3);
      assertThat(last.get().problems()).isEmpty();

      // A duplicate made by an edit is reported as one made at start is, and the first file's copy kept.
      Files.writeString(dir.resolve("d.yaml"), service("a").replace("port: 80", "port: 81"));
      await().atMost(Duration.ofSeconds(10)).until(() -> last.get().files().contains("d.yaml"));
      assertThat(last.get().snapshot().service("default", "a")).hasValueSatisfying(
          s -> assertThat(s.getSpec().getPorts().get(0).getPort()).isEqualTo(80));
      assertThat(last.get().problems()).singleElement().satisfies(p -> {
        assertThat(p.reason()).isEqualTo("DuplicateObject");
        assertThat(p.file()).isEqualTo("d.yaml");
      });
      // And once it is gone, the snapshot is as before.
      Files.delete(dir.resolve("d.yaml"));
      await().atMost(Duration.ofSeconds(10)).until(() -> !last.get().files().contains("d.yaml"));
      assertThat(last.get().problems()).isEmpty();
      assertThat(last.get().snapshot().services()).extracting(s -> s.getMetadata().getName())
          .containsExactly("a", "b", "c");
    }
  }

  @Test
  void aFileOfManyDocumentsIsReadAgainOnlyWhereItChanged(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("apps.yaml");
    java.util.function.IntFunction<String> doc = n -> service("s" + n);
    StringBuilder text = new StringBuilder();
    for (int n = 0; n < 5; n++) {
      text.append(n == 0 ? "" : "---\n").append(doc.apply(n));
    }
    text.append("---\n"); // as generated files often end
    Files.writeString(file, text);
    AtomicReference<FileSource.Load> last = new AtomicReference<>();
    try (FileSource source = new FileSource(dir, new ManifestReader(), last::set).start()) {
      FileSource.Load first = last.get();
      var s0 = first.snapshot().service("default", "s0").orElseThrow();
      var s4 = first.snapshot().service("default", "s4").orElseThrow();

      // One document edited: it alone is new; the others are the instances they were.
      Files.writeString(file, text.toString().replace("name: s2\nspec:\n  ports:\n  - port: 80",
          "name: s2\nspec:\n  ports:\n  - port: 82"));
      await().atMost(Duration.ofSeconds(10)).until(() -> last.get() != first);
      FileSource.Load second = last.get();
      assertThat(second.problems()).isEmpty();
      assertThat(second.snapshot().service("default", "s0")).containsSame(s0);
      assertThat(second.snapshot().service("default", "s4")).containsSame(s4);
      assertThat(second.snapshot().service("default", "s2")).hasValueSatisfying(
          s -> assertThat(s.getSpec().getPorts().get(0).getPort()).isEqualTo(82));

      // A syntax error in one document: the whole read names the line; every last good object stays.
      String broken = Files.readString(file).replace("name: s3\n", "name: s3\n  bad: [yaml\n");
      Files.writeString(file, broken);
      await().atMost(Duration.ofSeconds(10)).until(() -> !last.get().problems().isEmpty());
      assertThat(last.get().problems()).extracting(ManifestProblem::reason).containsExactly("InvalidYAML", "KeptLastGood");
      assertThat(last.get().problems().get(0).message()).contains("line ");
      assertThat(last.get().problems().get(0).document()).isEqualTo(4);
      assertThat(last.get().snapshot().services()).hasSize(5);

      // Fixed, with a document put in front (every document moves) and a boolean key in one:
      // origins follow the documents, the key is reported in its document, and the objects read
      // the same are still the same instances.
      String fixed = "---\n" + service("new") + "---\n" + Files.readString(file).replace("  bad: [yaml\n", "")
          .replace("name: s1\n", "name: s1\n  labels: {on: x}\n");
      Files.writeString(file, fixed);
      await().atMost(Duration.ofSeconds(10)).until(() -> last.get().snapshot().service("default", "new").isPresent());
      FileSource.Load third = last.get();
      assertThat(third.snapshot().services()).hasSize(6);
      assertThat(third.origin("Service default/new")).isEqualTo("apps.yaml#1");
      assertThat(third.origin("Service default/s4")).isEqualTo("apps.yaml#6");
      assertThat(third.snapshot().service("default", "s4")).containsSame(s4);
      assertThat(third.problems()).singleElement().satisfies(p -> {
        assertThat(p.reason()).isEqualTo("AmbiguousKey");
        assertThat(p.document()).isEqualTo(3);
      });

      // A broken object (not the file) keeps its last good version, in its own document.
      Files.writeString(file, fixed.replace("  labels: {on: x}\n", "").replace("name: s0\nspec:\n  ports:\n  - port: 80",
          "name: s0\nspec:\n  ports:\n  - port: eighty"));
      await().atMost(Duration.ofSeconds(10)).until(() -> last.get().problems().stream()
          .anyMatch(p -> p.reason().equals("KeptLastGood")));
      assertThat(last.get().problems()).extracting(ManifestProblem::reason).containsExactly("InvalidManifest", "KeptLastGood");
      assertThat(last.get().problems()).allSatisfy(p -> assertThat(p.document()).isEqualTo(2));
      assertThat(last.get().snapshot().service("default", "s0")).containsSame(s0);

      // Line ends of Windows read as the others do, and a removed document takes its object away.
      String crlf = fixed.replace("  labels: {on: x}\n", "").replace("---\n" + service("s3"), "").replace("\n", "\r\n");
      Files.writeString(file, crlf);
      await().atMost(Duration.ofSeconds(10)).until(() -> last.get().snapshot().service("default", "s3").isEmpty());
      assertThat(last.get().problems()).isEmpty();
      assertThat(last.get().snapshot().services()).extracting(s -> s.getMetadata().getName())
          .containsExactlyInAnyOrder("new", "s0", "s1", "s2", "s4");
      assertThat(last.get().origin("Service default/s4")).isEqualTo("apps.yaml#5");
    }
  }
  /**
   * A writer that pauses mid-file for longer than the default settle: with a settle longer than
   * its pauses, no load ever holds the file cut between two documents.
   */
  @Test
  void aLongerSettleWaitsOutAWriterThatPausesBetweenDocuments(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("apps.yaml");
    Files.writeString(file, service("a"));
    java.util.List<Integer> sizes = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicReference<FileSource.Load> last = new AtomicReference<>();
    try (FileSource source = new FileSource(dir, new ManifestReader(), l -> {
      sizes.add(l.snapshot().services().size());
      last.set(l);
    }, 400).start()) {
      try (java.io.Writer w = Files.newBufferedWriter(file)) {
        for (String name : java.util.List.of("b", "c", "d")) {
          w.write(service(name) + "---\n");
          w.flush();
          Thread.sleep(60); // four times the default settle
        }
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> last.get().snapshot().services().size() == 3);
      Thread.sleep(600);
      assertThat(sizes).as("services per load: only the first and the whole new file").containsExactly(1, 3);
      assertThat(last.get().snapshot().services()).extracting(s -> s.getMetadata().getName()).containsExactly("b", "c", "d");
    }
  }

  @Test
  void aSettleOutOfRangeIsRefused(@TempDir Path dir) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FileSource(dir, new ManifestReader(), l -> { }, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("settle must be 1 to 10000 ms, not 0");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FileSource(dir, new ManifestReader(), l -> { }, 10_001))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not 10001");
  }
}

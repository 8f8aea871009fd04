package dev.portcullis.operator.source;

import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.manifest.ManifestProblem;
import dev.portcullis.translator.manifest.ManifestReader;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Which files hold manifests, and how parsed manifests become one snapshot. */
public final class ManifestFiles {
  private ManifestFiles() {}

  /** {@code *.yaml}, {@code *.yml} and {@code *.json}, not hidden. */
  public static boolean isManifest(Path file) {
    String name = file.getFileName().toString();
    return !name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"));
  }

  /** One manifest file and what it read as. */
  public record Read(Path file, ManifestReader.Result result) {}

  /** A manifest file that could not be read; prints as {@code cannot read FILE: why}. */
  public static final class UnreadableFile extends IOException {
    UnreadableFile(Path file, IOException cause) {
      super("cannot read " + file + ": " + cause.getMessage(), cause);
    }

    @Override
    public String toString() {
      return getMessage();
    }
  }

  /**
   * Reads every manifest file under {@code paths} (as {@link #expand} finds them), in order, as the
   * commands that take {@code -f} do.
   *
   * @throws IOException a path cannot be listed, or an {@link UnreadableFile}
   */
  public static List<Read> readAll(List<Path> paths, ManifestReader reader) throws IOException {
    List<Read> reads = new ArrayList<>();
    for (Path file : expand(paths)) {
      String content;
      try {
        content = Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UnreadableFile(file, e);
      }
      reads.add(new Read(file, reader.read(content, file.toString())));
    }
    return reads;
  }

  /** The manifest files under each path (a file stands for itself), sorted, hidden folders skipped. */
  public static List<Path> expand(List<Path> paths) throws IOException {
    TreeSet<Path> files = new TreeSet<>();
    for (Path p : paths) {
      if (!Files.isDirectory(p)) {
        files.add(p);
        continue;
      }
      Files.walkFileTree(p, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return !dir.equals(p) && dir.getFileName().toString().startsWith(".")
              ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile() && isManifest(file)) {
            files.add(file);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    }
    return new ArrayList<>(files);
  }

  /**
   * Adds manifests to a snapshot in order; a second object with the same kind, namespace and name
   * is reported against {@code file} and left out.
   */
  public static void addAll(ClusterSnapshot.Builder snapshot, List<ManifestReader.Manifest> manifests, String file,
      Map<String, String> origins, List<ManifestProblem> problems) {
    for (ManifestReader.Manifest m : manifests) {
      HasMetadata o = m.object();
      if (!ClusterSnapshot.Builder.supports(o)) {
        continue;
      }
      String id = id(o);
      if (snapshot.add(o)) {
        origins.put(id, m.origin());
      } else {
        problems.add(new ManifestProblem(file, 0, id, "metadata.name", "DuplicateObject",
            "also defined in " + origins.get(id) + "; this copy is ignored"));
      }
    }
  }

  /** How problems and origins name an object: {@code Kind namespace/name}, or {@code Kind name}. */
  public static String id(HasMetadata o) {
    return o.getKind() + " " + (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/")
        + o.getMetadata().getName();
  }

  /** Origins by object, for {@link #addAll}. */
  public static Map<String, String> newOrigins() {
    return new HashMap<>();
  }
}

package dev.portcullis.operator.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The data plane (or an echo backend) as its own process, the way it runs in a cluster: its
 * classpath holds Vert.x 5, this test's holds the mock API server's Vert.x 4. Public, and in the
 * operator's test jar, for the end-to-end scenarios' local harness (e2e/).
 */
public final class JavaProcess implements AutoCloseable {

  public static final Path DATA_PLANE_JAR = Path.of(System.getProperty("portcullis.dataPlaneJar",
      "../data-plane/target/data-plane-0.1.0-SNAPSHOT.jar")).toAbsolutePath();

  private final Process process;
  private final Path log;

  private JavaProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static JavaProcess dataPlaneJar(String... args) throws IOException {
    if (!Files.exists(DATA_PLANE_JAR)) {
      throw new IllegalStateException("build the data plane first: " + DATA_PLANE_JAR + " is missing");
    }
    // -Dportcullis.dataPlaneJava=.../bin/java runs them on another runtime, such as the image's jlink-ed one.
    String java = System.getProperty("portcullis.dataPlaneJava",
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java,
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", DATA_PLANE_JAR.toString()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile("portcullis-" + args[0], ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new JavaProcess(p, log);
  }

  /** A main class of this test classpath in a JVM of its own. */
  static JavaProcess main(Class<?> mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        mainClass.getName()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile("portcullis-" + mainClass.getSimpleName(), ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new JavaProcess(p, log);
  }

  /** Dies at once, as a killed pod does: no shutdown hook runs, no Lease is given back. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  public String output() throws IOException {
    return Files.readString(log);
  }

  public boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}

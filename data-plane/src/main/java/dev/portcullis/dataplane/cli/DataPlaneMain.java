package dev.portcullis.dataplane.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The data plane's own entry point (its container image): {@code data-plane} and {@code echo}. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, versionProvider = DataPlaneMain.Version.class,
    subcommands = {DataPlaneCommand.class, EchoCommand.class, CommandLine.HelpCommand.class},
    description = "Portcullis data plane.")
public final class DataPlaneMain implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new DataPlaneMain()).execute(args));
  }

  /** The version from the jar's manifest. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = DataPlaneMain.class.getPackage().getImplementationVersion();
      return new String[] {"portcullis data plane " + (v == null ? "dev" : v)};
    }
  }
}

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
    CommandLine cl = new CommandLine(new DataPlaneMain());
    cl.setExecutionExceptionHandler(DataPlaneMain::badSetting);
    System.exit(cl.execute(args));
  }

  /**
   * A setting that turns out wrong once the command runs (a CIDR that does not parse, a
   * NAMESPACE/NAME without its slash) is the user's mistake, not a crash: one line, and exit 2.
   */
  public static int badSetting(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
    if (e instanceof IllegalArgumentException) {
      cmd.getErr().println("portcullis " + cmd.getCommandName() + ": " + e.getMessage());
      cmd.getErr().flush();
      return 2;
    }
    throw e;
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

package dev.portcullis.launcher;

import dev.portcullis.dataplane.cli.DataPlaneCommand;
import dev.portcullis.dataplane.cli.EchoCommand;
import dev.portcullis.operator.cli.OperatorCommand;
import dev.portcullis.operator.cli.MigrateCommand;
import dev.portcullis.operator.cli.TranslateCommand;
import dev.portcullis.operator.cli.VersionProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code portcullis} command. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    usageHelpAutoWidth = true,
    description = {
        "Portcullis: a Kubernetes ingress controller. An operator turns Ingress objects into a route table and "
            + "pushes it to a Vert.x data plane that proxies traffic to the Services' endpoints.",
        ""},
    subcommands = {DemoCommand.class, LocalCommand.class, TranslateCommand.class, MigrateCommand.class,
        OperatorCommand.class,
        DataPlaneCommand.class, EchoCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Run 'portcullis COMMAND --help' for a command's options."})
public final class Main implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    VersionProvider version = new VersionProvider();
    cl.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(version));
    cl.setExecutionExceptionHandler(dev.portcullis.dataplane.cli.DataPlaneMain::badSetting);
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}

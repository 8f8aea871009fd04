package dev.portcullis.operator.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar's manifest, or {@code dev} when run from classes. */
public final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = VersionProvider.class.getPackage().getImplementationVersion();
    return new String[] {"portcullis " + (v == null ? "dev" : v)};
  }
}

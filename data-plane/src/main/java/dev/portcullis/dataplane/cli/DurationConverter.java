package dev.portcullis.dataplane.cli;

import java.time.Duration;
import picocli.CommandLine;

/** Durations on the command line: {@code 500ms}, {@code 5s}, {@code 2m}, or a plain number of seconds. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    String v = value.trim();
    try {
      if (v.endsWith("ms")) {
        return check(Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2))), value);
      }
      if (v.endsWith("s")) {
        return check(Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1))), value);
      }
      if (v.endsWith("m")) {
        return check(Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1))), value);
      }
      return check(Duration.ofSeconds(Long.parseLong(v)), value);
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 500ms, 5s or 2m");
    }
  }

  private static Duration check(Duration d, String value) {
    if (d.isNegative()) {
      throw new CommandLine.TypeConversionException("'" + value + "' must not be negative");
    }
    return d;
  }
}

package dev.portcullis.dataplane.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The admin port's log-level switch: Logback's levels, changed while the data plane runs (until
 * it restarts; PORTCULLIS_LOG_LEVEL sets them at start).
 */
final class LogLevels {

  /** The loggers a level may be set for: Portcullis's own, and the libraries it runs on. */
  static final String[] PREFIXES = {"dev.portcullis", "portcullis", "io.vertx", "io.netty", "io.micrometer", "ROOT"};

  private LogLevels() {}

  /** The levels set on Portcullis's loggers and those above them, by logger. */
  static Map<String, String> levels() {
    Map<String, String> out = new LinkedHashMap<>();
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      for (Logger l : context.getLoggerList()) {
        if (l.getLevel() != null) {
          out.put(l.getName(), l.getLevel().toString());
        }
      }
    }
    return out;
  }

  /**
   * Sets a logger's level.
   *
   * @return null when done, else why not
   */
  static String set(String logger, String level) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return "logging is not done by Logback here";
    }
    String name = logger == null || logger.isBlank() ? "dev.portcullis" : logger.trim();
    boolean allowed = false;
    for (String p : PREFIXES) {
      if (name.equals(p) || name.startsWith(p + ".")) {
        allowed = true;
        break;
      }
    }
    if (!allowed) {
      return "logger must be dev.portcullis, io.vertx, io.netty or io.micrometer (or below), or ROOT, was \""
          + cut(name) + "\"";
    }
    Level parsed = level == null ? null : Level.toLevel(level.trim().toUpperCase(java.util.Locale.ROOT), null);
    if (parsed == null || !parsed.toString().equalsIgnoreCase(level.trim())) {
      return "level must be TRACE, DEBUG, INFO, WARN, ERROR or OFF, was "
          + (level == null ? "nothing (?level=DEBUG)" : "\"" + cut(level) + "\"");
    }
    Logger l = name.equals("ROOT") ? context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) : context.getLogger(name);
    l.setLevel(parsed);
    if (name.equals("dev.portcullis")) {
      // The launcher logs as "portcullis": one switch for both.
      context.getLogger("portcullis").setLevel(parsed);
    }
    return null;
  }

  /** What a client sent, as much of it as an error message repeats, printable only. */
  private static String cut(String s) {
    String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() > 64 ? printable.substring(0, 64) + "..." : printable;
  }
}

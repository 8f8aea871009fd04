package dev.portcullis.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.status.StatusReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ConsoleReporterTest {

  private static VirtualHost host(String name, String path) {
    return new VirtualHost(name, List.of(new Route("r", RouteMatch.path(PathMatch.prefix(path)), RouteAction.Forward.to("c"),
        null, null)), null);
  }

  private static TranslationResult result(List<VirtualHost> hosts) {
    RouteTable table = new RouteTable(hosts, List.of(new Cluster("c", List.of(), null, 1000, null)));
    return new TranslationResult(table, new StatusReport(List.of()), Map.of(), Map.of(), Map.of(), List.of());
  }

  @Test
  void afterTheFirstTableOnlyTheHostsThatChangedArePrinted() {
    Logger log = (Logger) LoggerFactory.getLogger("portcullis");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    log.addAppender(lines);
    try {
      List<VirtualHost> hosts = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        hosts.add(host("h" + i + ".test", "/"));
      }
      ConsoleReporter reporter = new ConsoleReporter();
      reporter.rebuilt(result(hosts), true, 1);
      assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
          .anySatisfy(l -> assertThat(l).contains("route table version 1: 100 host(s), 100 route(s)"))
          .anySatisfy(l -> assertThat(l).contains("and 60 more"));
      lines.list.clear();

      List<VirtualHost> next = new ArrayList<>(hosts);
      next.set(50, host("h50.test", "/new"));
      next.remove(70);
      next.add(host("added.test", "/"));
      reporter.rebuilt(result(next), true, 2);
      List<String> printed = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertThat(printed).anySatisfy(l -> assertThat(l).contains("version 2").contains("2 host(s) new or changed, 1 gone"));
      assertThat(printed).anySatisfy(l -> assertThat(l).contains("h50.test").contains("/new"));
      assertThat(printed).anySatisfy(l -> assertThat(l).contains("added.test"));
      assertThat(printed).noneSatisfy(l -> assertThat(l).contains("h1.test"));
      lines.list.clear();

      // Hosts edited in place, none added or gone: those, and no count of hosts gone.
      List<VirtualHost> edited = new ArrayList<>(next);
      edited.set(3, host("h3.test", "/three"));
      edited.set(80, host(edited.get(80).hostname(), "/eighty"));
      reporter.rebuilt(result(edited), true, 3);
      List<String> third = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertThat(third).anySatisfy(l -> assertThat(l).contains("version 3").endsWith("2 host(s) new or changed"));
      assertThat(third).anySatisfy(l -> assertThat(l).contains("h3.test").contains("/three"));
      assertThat(third).anySatisfy(l -> assertThat(l).contains("/eighty"));
      assertThat(third).noneSatisfy(l -> assertThat(l).contains("h50.test"));
    } finally {
      log.detachAppender(lines);
    }
  }
}

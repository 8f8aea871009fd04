package dev.portcullis.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.routing.Router;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

/**
 * The scale benchmark's measurements at a small size, so that every build checks they still
 * measure what they claim: the whole fleet becomes routes, one change and the endpoint fast path
 * work, and local mode serves every route while routes change under load, with no failure on the
 * routes that did not change. (Figures at full size: bench/README.md.)
 */
class ScaleTest {

  @Test
  void theFleetBecomesOneRoutePerPathAndEachFindsItsService() {
    Fleet fleet = new Fleet(400, 1);
    ScaleRun.Translation t = ScaleRun.translation(fleet, 2);

    assertThat(t.routes()).isEqualTo(2_000);
    assertThat(t.clusters()).isEqualTo(400);
    assertThat(t.result().status().objects()).allSatisfy(s -> assertThat(s.problems()).isEmpty());
    assertThat(t.wireBytes()).isGreaterThan(t.wireGzipBytes()).isGreaterThan(0);
    assertThat(t.compiledHeapBytes()).isPositive();
    Router<Route> router = Router.compile(t.result().table(), (vh, route) -> route);
    for (int app = 0; app < fleet.apps(); app += 37) {
      for (int p = 0; p < Fleet.PATHS; p++) {
        Route route = router.route(Fleet.host(app), Fleet.path(p) + "/item");
        assertThat(route).as("app %d path %d", app, p).isNotNull();
        int a = app;
        assertThat(((RouteAction.Forward) route.action()).clusters()).singleElement()
            .satisfies(c -> assertThat(c.cluster()).matches(".*\\bapp-" + a + "\\b.*"));
      }
    }
  }

  @Test
  void localModeServesEveryChangeWhileUnchangedRoutesKeepAnswering() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      EchoBackend echo = ScaleRun.echo(vertx);
      Fleet fleet = new Fleet(200, echo.port());

      ScaleRun.Serving s = ScaleRun.serving(fleet, vertx, echo.port(), 3, 10, 8);

      assertThat(s.changesNeverLive()).isZero();
      // Half the changes add a path, half move an application's endpoint to another backend.
      assertThat(s.liveMs().size() + s.endpointLiveMs().size()).isGreaterThanOrEqualTo(25);
      assertThat(s.liveMs()).hasSizeGreaterThanOrEqualTo(12);
      assertThat(s.endpointLiveMs()).hasSizeGreaterThanOrEqualTo(12);
      assertThat(s.unchangedRequests()).isGreaterThan(100);
      assertThat(s.unchangedFailures()).isZero();
      // Live within a few seconds even on a loaded build machine (figures at full size: bench/README.md).
      assertThat(s.livePercentile(100)).isLessThan(5_000);
      assertThat(s.endpointPercentile(100)).isLessThan(5_000);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }
}

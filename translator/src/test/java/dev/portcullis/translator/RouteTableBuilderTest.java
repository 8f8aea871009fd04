package dev.portcullis.translator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.translator.status.ObjectRef;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One object's additions are taken back whole when the object turns out unusable. */
class RouteTableBuilderTest {

  private static final ObjectRef GOOD = new ObjectRef("ProxyRoute", "ns", "good");
  private static final ObjectRef BAD = new ObjectRef("ProxyRoute", "ns", "bad");

  private static Route route(String name, String path, String cluster) {
    return new Route(name, RouteMatch.path(PathMatch.prefix(path)), RouteAction.Forward.to(cluster), null, null);
  }

  private static Cluster cluster(String name) {
    return new Cluster(name, List.of(), BalancerPolicy.ROUND_ROBIN, 1000, null);
  }

  @Test
  void rollbackTakesBackEverythingTheObjectAdded() {
    RouteTableBuilder b = new RouteTableBuilder();
    b.begin();
    b.cluster(cluster("c1"));
    b.addRoute("a.example.com", route("good/a", "/", "c1"), GOOD);
    b.commit();

    b.begin();
    b.cluster(cluster("c2"));
    assertThat(b.addRoute("a.example.com", route("bad/x", "/x", "c2"), BAD)).isNull();
    b.addRoute("b.example.com", route("bad/b", "/", "c2"), BAD);
    b.offerHostFallback("a.example.com", route("bad/fallback", "/", "c2"), BAD);
    b.offerGlobalFallback(route("bad/global", "/", "c2"), BAD);
    b.rollback();

    RouteTable table = b.build();
    assertThat(table.virtualHosts()).extracting(v -> v.hostname()).containsExactly("a.example.com");
    assertThat(table.virtualHosts().get(0).routes()).extracting(Route::name).containsExactly("good/a");
    assertThat(table.virtualHosts().get(0).fallback()).isNull();
    assertThat(table.clusters()).extracting(Cluster::name).containsExactly("c1");
  }

  @Test
  void whatTheTableWouldRefuseIsRefusedWhenClaimed() {
    RouteTableBuilder b = new RouteTableBuilder();
    String longLabel = "a".repeat(64) + ".example.com";
    assertThatThrownBy(() -> b.addRoute(longLabel, route("r", "/", "c"), BAD)).isInstanceOf(ModelException.class);
    b.addRoute("a.example.com", route("same", "/a", "c"), GOOD);
    assertThatThrownBy(() -> b.addRoute("a.example.com", route("same", "/b", "c"), BAD))
        .isInstanceOf(ModelException.class).hasMessageContaining("used twice");
  }
}

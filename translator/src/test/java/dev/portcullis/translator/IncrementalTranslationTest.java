package dev.portcullis.translator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.translator.manifest.ManifestReader;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A translator that reuses what it translated before must give exactly what a fresh one gives:
 * for every golden case, objects are removed and put back (as new instances, the way a source
 * hands over a changed object) one by one and at random, and after each step the reusing
 * translator's table, status, certificates, credentials and resolutions are compared with a
 * fresh translation of the same snapshot.
 */
class IncrementalTranslationTest {

  @TestFactory
  Stream<DynamicTest> removingAndRestoringObjectsGivesWhatAFreshTranslationGives() throws IOException {
    return GoldenTest.cases().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
      TranslatorOptions options = GoldenTest.options(dir);
      Translator reusing = new Translator(options);
      // The same steps as edits of one snapshot (as local mode's file source makes them), which
      // tell the translator what changed instead of its looking at every object.
      Translator following = new Translator(options);
      Map<String, HasMetadata> all = read(dir);
      Map<String, HasMetadata> present = new LinkedHashMap<>(all);
      compare(dir + " at first", reusing, options, present);
      ClusterSnapshot[] edited = {snapshot(present)};
      compare(dir + " at first (edits)", following, options, edited[0]);
      // Each object in turn goes, then comes back as a new instance.
      for (String key : all.keySet()) {
        HasMetadata gone = present.remove(key);
        compare(dir + " without " + key, reusing, options, present);
        edited[0] = edited[0].edit().remove(gone).build();
        compare(dir + " without " + key + " (edits)", following, options, edited[0]);
        // (IngressClasses, which every object's classification reads, and canaries make full translations.)
        if (!dir.getFileName().toString().contains("canar")
            && !(gone instanceof io.fabric8.kubernetes.api.model.networking.v1.IngressClass)) {
          assertThat(following.followedEdits()).as(dir + ": the edit told what changed").isTrue();
        }
        HasMetadata back = read(dir).get(key);
        present.put(key, back);
        compare(dir + " with " + key + " again", reusing, options, present);
        edited[0] = edited[0].edit().put(back).build();
        compare(dir + " with " + key + " again (edits)", following, options, edited[0]);
      }
      // Then at random, several objects away at a time.
      Random random = new Random(dir.getFileName().toString().hashCode());
      List<String> keys = new ArrayList<>(all.keySet());
      for (int step = 0; step < 40; step++) {
        String key = keys.get(random.nextInt(keys.size()));
        if (present.containsKey(key) && random.nextBoolean()) {
          edited[0] = edited[0].edit().remove(present.remove(key)).build();
        } else {
          HasMetadata o = read(dir).get(key);
          present.put(key, o);
          edited[0] = edited[0].edit().put(o).build();
        }
        compare(dir + " at step " + step, reusing, options, present);
        compare(dir + " at step " + step + " (edits)", following, options, edited[0]);
      }
    }));
  }

  @Test
  void anUnchangedSnapshotReusesEveryObjectAndEveryHost() throws IOException {
    Path dir = GoldenTest.ROOT.resolve("merge-ingresses-same-host");
    Translator translator = new Translator(GoldenTest.options(dir));
    Map<String, HasMetadata> objects = read(dir);
    TranslationResult first = translator.translate(snapshot(objects));
    TranslationResult second = translator.translate(snapshot(objects));
    long routeObjects = objects.values().stream().filter(o -> o instanceof Ingress || o instanceof ProxyRoute).count();
    assertThat(translator.reusedObjects()).isEqualTo((int) routeObjects).isPositive();
    assertThat(second.table().virtualHosts()).hasSameSizeAs(first.table().virtualHosts());
    for (int i = 0; i < first.table().virtualHosts().size(); i++) {
      VirtualHost a = first.table().virtualHosts().get(i);
      assertThat(second.table().virtualHosts().get(i)).as(a.hostname()).isSameAs(a);
    }
  }

  @Test
  void aChangedServiceIsReadAgainByTheIngressesThatUseIt() throws IOException {
    Path dir = GoldenTest.ROOT.resolve("basic-single-host");
    Translator translator = new Translator(GoldenTest.options(dir));
    Map<String, HasMetadata> objects = read(dir);
    String service = objects.keySet().stream().filter(k -> k.startsWith("Service/")).findFirst().orElseThrow();
    translator.translate(snapshot(objects));
    Map<String, HasMetadata> without = new LinkedHashMap<>(objects);
    without.remove(service);
    TranslationResult result = translator.translate(snapshot(without));
    assertThat(translator.reusedObjects()).isZero();
    assertThat(TranslationYaml.write(result.status())).contains("ServiceNotFound");
  }

  @Test
  void errorPagesFromAServiceNoRouteForwardsToKeepTheirCluster() throws IOException {
    // The pages Ingress answers 404 and 503 from its default-backend; without the fallback Ingress
    // nothing forwards to that Service, and the table once lost its cluster (and failed whole).
    Path dir = GoldenTest.ROOT.resolve("nginx-errors-alias");
    Map<String, HasMetadata> objects = read(dir);
    objects.remove("Ingress/default/fallback");
    TranslationResult result = new Translator(GoldenTest.options(dir)).translate(snapshot(objects));
    assertThat(result.table().clusters()).extracting(c -> c.name()).contains("service/default/errors/port/80");
    assertThat(result.table().virtualHosts()).extracting(VirtualHost::hostname).contains("a.com");
  }

  private static HasMetadata ingress(String name, String created, String host, String path, String service) {
    return new ManifestReader().read(ingressYaml(name, created, host, path, service), name + ".yaml").objects().get(0)
        .object();
  }

  private static String ingressYaml(String name, String created, String host, String path, String service) {
    return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name + "\n  namespace: default\n"
        + "  creationTimestamp: \"" + created + "\"\nspec:\n  ingressClassName: portcullis\n  rules:\n"
        + "  - host: " + host + "\n    http:\n      paths:\n      - path: " + path + "\n        pathType: Prefix\n"
        + "        backend:\n          service:\n            name: " + service + "\n            port:\n              number: 80\n";
  }

  /**
   * One Ingress of many gains a path, as a source hands it over (a new instance in an edit of the
   * snapshot): the result holds every other host, status, cluster list and resolution map as the
   * very instances of the last result, so that what follows (checksum, push, status) can tell
   * what changed by identity; and it is what a fresh translation gives.
   */
  @Test
  void oneChangedIngressLeavesEverythingElseTheSameInstances() {
    TranslatorOptions options = TranslatorOptions.DEFAULT;
    ClusterSnapshot.Builder b = ClusterSnapshot.builder();
    for (int i = 0; i < 20; i++) {
      b.addAll(List.of(ingress("app-" + i, "2021-01-01T00:00:" + String.format("%02d", i + 10) + "Z",
          "app-" + i + ".test", "/", "svc-" + i), service("svc-" + i), slice("svc-" + i)));
    }
    ClusterSnapshot before = b.build();
    Translator translator = new Translator(options);
    TranslationResult first = translator.translate(before);
    HasMetadata changed = new ManifestReader().read(ingressYaml("app-3", "2021-01-01T00:00:13Z", "app-3.test", "/",
        "svc-3").replace("      paths:\n", "      paths:\n      - path: /more\n        pathType: Prefix\n"
        + "        backend:\n          service:\n            name: svc-3\n            port:\n              number: 80\n"),
        "app-3.yaml").objects().get(0).object();
    ClusterSnapshot after = before.edit().put(changed).build();
    TranslationResult second = translator.translate(after);

    assertThat(translator.followedEdits()).isTrue();
    assertThat(second.table().routeCount()).isEqualTo(first.table().routeCount() + 1);
    assertThat(second.table().clusters()).isSameAs(first.table().clusters());
    assertThat(second.resolutions()).isSameAs(first.resolutions()).hasSize(20);
    List<VirtualHost> hosts = second.table().virtualHosts();
    for (int i = 0; i < hosts.size(); i++) {
      if (hosts.get(i).hostname().equals("app-3.test")) {
        assertThat(hosts.get(i)).isNotSameAs(first.table().virtualHosts().get(i));
      } else {
        assertThat(hosts.get(i)).as(hosts.get(i).hostname()).isSameAs(first.table().virtualHosts().get(i));
      }
    }
    for (int i = 0; i < second.status().objects().size(); i++) {
      var st = second.status().objects().get(i);
      if (!st.object().name().equals("app-3")) {
        assertThat(st).as(st.object().toString()).isSameAs(first.status().objects().get(i));
      }
    }
    TranslationResult fresh = new Translator(options).translate(after);
    assertThat(new String(RouteTableJson.toJson(second.table()), StandardCharsets.UTF_8))
        .isEqualTo(new String(RouteTableJson.toJson(fresh.table()), StandardCharsets.UTF_8));
    assertThat(TranslationYaml.write(second.status())).isEqualTo(TranslationYaml.write(fresh.status()));
    assertThat(second.resolutions()).isEqualTo(fresh.resolutions());

    // A new Service in use: the resolutions are made again, with it.
    ClusterSnapshot third = after.edit().put(ingress("app-20", "2021-01-01T00:01:00Z", "app-20.test", "/", "svc-20"))
        .put(service("svc-20")).put(slice("svc-20")).build();
    TranslationResult r3 = translator.translate(third);
    assertThat(r3.resolutions()).hasSize(21).isEqualTo(new Translator(options).translate(third).resolutions());
    assertThat(r3.table().clusters()).hasSize(21);
  }

  private static HasMetadata service(String name) {
    String yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\n  namespace: default\n"
        + "spec:\n  ports:\n  - port: 80\n    targetPort: 8080\n";
    return new ManifestReader().read(yaml, name + ".yaml").objects().get(0).object();
  }

  private static HasMetadata slice(String service) {
    String yaml = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + service + "-1\n"
        + "  namespace: default\n  labels:\n    kubernetes.io/service-name: " + service + "\naddressType: IPv4\n"
        + "ports:\n- port: 8080\nendpoints:\n- addresses: [\"10.0.0.1\"]\n  conditions:\n    ready: true\n";
    return new ManifestReader().read(yaml, service + "-slice.yaml").objects().get(0).object();
  }

  @Test
  void aChangeThatClaimsAnotherObjectsPathTakesItWhenOlderAndOnlyTheHostsInvolvedAreRedone() {
    TranslatorOptions options = TranslatorOptions.DEFAULT;
    Translator reusing = new Translator(options);
    Map<String, HasMetadata> objects = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      objects.put("app-" + i, ingress("app-" + i, "2021-01-01T00:00:" + String.format("%02d", i + 10) + "Z",
          "app-" + i + ".test", "/", "svc-" + i));
    }
    compare("at first", reusing, options, objects);
    // The oldest object now also claims app-5's path: being older, it takes it, and app-5 reports the conflict.
    objects.put("old", ingress("old", "2020-01-01T00:00:00Z", "app-5.test", "/", "svc-old"));
    compare("an older object on app-5's path", reusing, options, objects);
    assertThat(reusing.reusedObjects()).isEqualTo(19); // the new object and app-5, whose claim lost, processed
    TranslationResult r = reusing.translate(ClusterSnapshot.builder().addAll(objects.values()).build());
    assertThat(r.status().objects()).filteredOn(st -> st.object().name().equals("app-5")).singleElement()
        .satisfies(st -> assertThat(st.problems()).extracting(p -> p.reason()).contains("PathConflict"));
    assertThat(r.status().objects()).filteredOn(st -> st.object().name().equals("app-6")).singleElement()
        .satisfies(st -> assertThat(st.problems()).extracting(p -> p.reason()).doesNotContain("PathConflict"));
    // Gone again: app-5 has its path back.
    objects.remove("old");
    compare("without it", reusing, options, objects);
    // A newer object on app-7's path loses; app-7 is only replayed.
    objects.put("new", ingress("new", "2022-01-01T00:00:00Z", "app-7.test", "/", "svc-new"));
    compare("a newer object on app-7's path", reusing, options, objects);
    assertThat(reusing.reusedObjects()).isEqualTo(20);
  }

  private static void compare(String step, Translator reusing, TranslatorOptions options, Map<String, HasMetadata> objects) {
    compare(step, reusing, options, snapshot(objects));
  }

  private static void compare(String step, Translator reusing, TranslatorOptions options, ClusterSnapshot snapshot) {
    TranslationResult fresh = new Translator(options).translate(snapshot);
    TranslationResult reused = reusing.translate(snapshot);
    assertThat(new String(RouteTableJson.toJson(reused.table()), StandardCharsets.UTF_8)).as(step + ": table")
        .isEqualTo(new String(RouteTableJson.toJson(fresh.table()), StandardCharsets.UTF_8));
    assertThat(TranslationYaml.write(reused.status())).as(step + ": status").isEqualTo(TranslationYaml.write(fresh.status()));
    assertThat(reused.certificates()).as(step + ": certificates").isEqualTo(fresh.certificates());
    assertThat(reused.credentials()).as(step + ": credentials").isEqualTo(fresh.credentials());
    assertThat(reused.resolutions()).as(step + ": resolutions").isEqualTo(fresh.resolutions());
    assertThat(reused.settingsProblems()).as(step + ": settings").isEqualTo(fresh.settingsProblems());
  }

  private static ClusterSnapshot snapshot(Map<String, HasMetadata> objects) {
    return ClusterSnapshot.builder().addAll(objects.values()).build();
  }

  /** The case's objects, freshly read (new instances every call), by kind, namespace and name. */
  private static Map<String, HasMetadata> read(Path dir) throws IOException {
    ManifestReader reader = new ManifestReader();
    Map<String, HasMetadata> objects = new LinkedHashMap<>();
    List<Path> inputs;
    try (Stream<Path> s = Files.list(dir)) {
      inputs = s.filter(p -> p.getFileName().toString().matches("in-.*\\.ya?ml")).sorted().toList();
    }
    for (Path in : inputs) {
      for (var m : reader.read(Files.readString(in), in.getFileName().toString()).objects()) {
        HasMetadata o = m.object();
        objects.put(o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(), o);
      }
    }
    return objects;
  }
}

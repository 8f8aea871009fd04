package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.dataplane.cache.HttpDate;
import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.VirtualHost;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared cache, directive by directive, over real sockets: a client, the proxy, and an origin
 * that counts what reaches it. "From cache" means the origin's count did not move.
 */
class CacheTest extends LiveProxy {

  Origin origin;
  int paths;

  @BeforeAll
  void routes() throws Exception {
    origin = new Origin(vertx);
    Cluster c = new Cluster("origin", List.of(new Endpoint("127.0.0.1", origin.port())), BalancerPolicy.ROUND_ROBIN,
        1000, null);
    RoutePolicies.CachePolicy plain = new RoutePolicies.CachePolicy(true);
    RoutePolicies.CachePolicy trusting = new RoutePolicies.CachePolicy(true, 0, 0, List.of(), List.of("utm_source"),
        false, true, true);
    RoutePolicies.CachePolicy small = new RoutePolicies.CachePolicy(true, 60_000, 1000, List.of("x-tenant"), List.of(),
        false, false, false);
    VirtualHost main = host("cache.test", c, plain);
    // Same host and path, another route: by header. Its stored responses are its own.
    Route variantB = new Route("cache.test/variant-b", new RouteMatch(PathMatch.prefix("/"),
        List.of(dev.portcullis.model.ValueMatch.header("x-variant", dev.portcullis.model.ValueMatch.Type.EXACT, "b")),
        List.of(), null), RouteAction.Forward.to(c.name()), null, new RoutePolicies(null, plain, null, null),
        Timeouts.DEFAULT, null);
    // A route that sets a header upstream: responses that vary on it are not stored.
    Route rewriting = new Route("rewriting.test/all", RouteMatch.path(PathMatch.prefix("/")),
        RouteAction.Forward.to(c.name()), new dev.portcullis.model.RouteFilters(new dev.portcullis.model.RouteFilters
            .HeaderModifier(List.of(new dev.portcullis.model.RouteFilters.Header("x-plan", "gold")), List.of(),
            List.of()), null, null, null), new RoutePolicies(null, plain, null, null), Timeouts.DEFAULT, null);
    dataPlane.apply(++version, new RouteTable(List.of(
        new VirtualHost("cache.test", List.of(main.routes().get(0), variantB), null),
        host("trusting.test", c, trusting), host("small.test", c, small), host("nocache.test", c, null),
        new VirtualHost("rewriting.test", List.of(rewriting), null)), List.of(c)));
  }

  static VirtualHost host(String name, Cluster c, RoutePolicies.CachePolicy cache) {
    return new VirtualHost(name, List.of(new Route(name + "/all", RouteMatch.path(PathMatch.prefix("/")),
        RouteAction.Forward.to(c.name()), null, new RoutePolicies(null, cache, null, null), Timeouts.DEFAULT, null)),
        null);
  }

  @AfterAll
  void stopOrigin() throws Exception {
    origin.close();
  }

  /** A fresh path for each use, so that tests never share entries. */
  String path(String name) {
    return "/" + name + "-" + (++paths);
  }

  Reply get(String path, String... headers) throws Exception {
    return request("GET", "cache.test", path, headers);
  }

  Reply request(String method, String host, String path, String... headers) throws Exception {
    Map<String, String> h = new HashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      h.put(headers[i], headers[i + 1]);
    }
    return send(method, host, path, h, null);
  }

  static String header(Reply r, String name) {
    List<String> v = r.headers().get(name);
    return v == null ? null : String.join(", ", v);
  }

  static String now() {
    return HttpDate.format(System.currentTimeMillis());
  }

  // --- freshness ---

  @Test
  void maxAgeIsFreshThenStale() throws Exception {
    String p = path("max-age");
    origin.answer(p).header("cache-control", "max-age=1").body("one");
    Reply first = get(p);
    assertThat(first.body()).isEqualTo("one");
    assertThat(header(first, "cache-status")).isEqualTo("Portcullis; fwd=uri-miss; stored");
    Reply second = get(p);
    assertThat(second.body()).isEqualTo("one");
    assertThat(header(second, "cache-status")).startsWith("Portcullis; hit; ttl=");
    assertThat(origin.count(p)).isEqualTo(1);
    Thread.sleep(1100);
    get(p);
    assertThat(origin.count(p)).as("stale after a second").isEqualTo(2);
  }

  @Test
  void sMaxageWinsOverMaxAgeInASharedCache() throws Exception {
    String p = path("s-maxage");
    origin.answer(p).header("cache-control", "max-age=0, s-maxage=60");
    get(p);
    get(p);
    assertThat(origin.count(p)).isEqualTo(1);
  }

  @Test
  void expiresGivesFreshnessAndAnInvalidOneMeansStale() throws Exception {
    String p = path("expires");
    origin.answer(p).header("date", now()).header("expires", HttpDate.format(System.currentTimeMillis() + 60_000));
    get(p);
    get(p);
    assertThat(origin.count(p)).isEqualTo(1);
    String q = path("expires-invalid");
    origin.answer(q).header("date", now()).header("expires", "0");
    get(q);
    get(q);
    assertThat(origin.count(q)).isEqualTo(2);
  }

  @Test
  void anAgeOlderThanTheLifetimeIsStaleAndAnInvalidAgeToo() throws Exception {
    String p = path("age");
    origin.answer(p).header("cache-control", "max-age=3600").header("age", "7200");
    get(p);
    get(p);
    assertThat(origin.count(p)).isEqualTo(2);
    String q = path("age-invalid");
    origin.answer(q).header("cache-control", "max-age=3600").header("age", "abc");
    get(q);
    get(q);
    assertThat(origin.count(q)).isEqualTo(2);
  }

  @Test
  void theAgeOfAHitGrowsFromTheAgeReceived() throws Exception {
    String p = path("age-grows");
    origin.answer(p).header("cache-control", "max-age=3600").header("age", "100");
    get(p);
    Thread.sleep(1100);
    Reply hit = get(p);
    assertThat(Long.parseLong(header(hit, "age"))).isBetween(101L, 103L);
    assertThat(origin.count(p)).isEqualTo(1);
  }

  @Test
  void heuristicFreshnessOnlyForStatusesThatAllowIt() throws Exception {
    String lm = HttpDate.format(System.currentTimeMillis() - 86_400_000L);
    String p = path("heuristic-200");
    origin.answer(p).header("date", now()).header("last-modified", lm);
    get(p);
    get(p);
    assertThat(origin.count(p)).isEqualTo(1);
    String q = path("heuristic-201");
    origin.answer(q).status(201).header("date", now()).header("last-modified", lm);
    request("GET", "cache.test", q);
    request("GET", "cache.test", q);
    assertThat(origin.count(q)).isEqualTo(2);
  }

  @Test
  void cdnCacheControlOverridesCacheControl() throws Exception {
    String p = path("cdn-cc");
    origin.answer(p).header("cache-control", "no-store").header("cdn-cache-control", "max-age=60");
    get(p);
    get(p);
    assertThat(origin.count(p)).isEqualTo(1);
  }

  // --- what is not stored ---

  @Test
  void noStoreAndPrivateAreNotStored() throws Exception {
    for (String cc : List.of("no-store", "private", "max-age=60, no-store", "max-age=60, private", "NO-STORE")) {
      String p = path("not-stored");
      origin.answer(p).header("cache-control", cc.startsWith("max") || cc.equals("NO-STORE") ? cc : "max-age=60, " + cc);
      get(p);
      get(p);
      assertThat(origin.count(p)).as(cc).isEqualTo(2);
    }
  }

  @Test
  void varyStarIsNotStored() throws Exception {
    String p = path("vary-star");
    origin.answer(p).header("cache-control", "max-age=60").header("vary", "*");
    get(p);
    get(p);
    assertThat(origin.count(p)).isEqualTo(2);
  }

  @Test
  void responsesToAuthorizedRequestsAreStoredOnlyWhenAllowed() throws Exception {
    String p = path("auth");
    origin.answer(p).header("cache-control", "max-age=60");
    get(p, "Authorization", "Bearer a");
    get(p, "Authorization", "Bearer a");
    assertThat(origin.count(p)).as("max-age alone does not allow it").isEqualTo(2);
    String q = path("auth-public");
    origin.answer(q).header("cache-control", "public, max-age=60");
    get(q, "Authorization", "Bearer a");
    get(q, "Authorization", "Bearer a");
    assertThat(origin.count(q)).as("public does").isEqualTo(1);
    String r = path("auth-route");
    origin.answer(r).header("cache-control", "max-age=60");
    request("GET", "trusting.test", r, "Authorization", "Bearer a");
    request("GET", "trusting.test", r, "Authorization", "Bearer a");
    assertThat(origin.count(r)).as("so does the route's cacheAuthorized").isEqualTo(1);
  }

  @Test
  void responsesSettingCookiesAreNeverSharedUnlessTheRouteAllows() throws Exception {
    String p = path("cookie");
    origin.answer(p).header("cache-control", "max-age=60").header("set-cookie", "session=alice");
    assertThat(header(get(p), "set-cookie")).isEqualTo("session=alice");
    Reply second = get(p);
    assertThat(origin.count(p)).isEqualTo(2);
    assertThat(header(second, "cache-status")).doesNotContain("hit");
    String q = path("cookie-route");
    origin.answer(q).header("cache-control", "max-age=60").header("set-cookie", "theme=dark");
    request("GET", "trusting.test", q);
    assertThat(header(request("GET", "trusting.test", q), "set-cookie")).isEqualTo("theme=dark");
    assertThat(origin.count(q)).isEqualTo(1);
  }

  @Test
  void hopByHopAndConnectionListedFieldsAreNotStored() throws Exception {
    String p = path("hop");
    origin.answer(p).header("cache-control", "max-age=60").header("connection", "x-secret")
        .header("x-secret", "1").header("x-kept", "2").header("proxy-authenticate", "Basic");
    get(p);
    Reply hit = get(p);
    assertThat(origin.count(p)).isEqualTo(1);
    assertThat(hit.headers()).containsKey("x-kept").doesNotContainKeys("x-secret", "proxy-authenticate");
  }

  @Test
  void aQualifiedPrivateOrNoCacheDropsOnlyTheNamedFields() throws Exception {
    String p = path("qualified");
    origin.answer(p).header("cache-control", "max-age=60, private=\"x-user\", no-cache=\"x-token\"")
        .header("x-user", "alice").header("x-token", "t").header("x-shared", "s");
    get(p);
    Reply hit = get(p);
    assertThat(origin.count(p)).isEqualTo(1);
    assertThat(hit.headers()).containsKey("x-shared").doesNotContainKeys("x-user", "x-token");
  }

  @Test
  void bodiesOverTheObjectLimitArePassedOnButNotStored() throws Exception {
    String p = path("big");
    String big = "x".repeat(5000);
    origin.answer(p).header("cache-control", "max-age=60").body(big);
    assertThat(request("GET", "small.test", p).body()).isEqualTo(big);
    assertThat(request("GET", "small.test", p).body()).isEqualTo(big);
    assertThat(origin.count(p)).isEqualTo(2);
  }

  @Test
  void routesWithoutCachingNeverStore() throws Exception {
    String p = path("off");
    origin.answer(p).header("cache-control", "max-age=60");
    Reply r = request("GET", "nocache.test", p);
    request("GET", "nocache.test", p);
    assertThat(origin.count(p)).isEqualTo(2);
    assertThat(r.headers()).doesNotContainKey("cache-status");
  }

  // --- request directives ---

  @Test
  void requestNoCacheAndPragmaForceAValidation() throws Exception {
    String p = path("req-no-cache");
    origin.answer(p).header("cache-control", "max-age=60").header("etag", "\"v1\"").etag = "\"v1\"";
    get(p);
    Reply validated = get(p, "Cache-Control", "no-cache");
    assertThat(origin.count(p)).isEqualTo(2);
    assertThat(origin.last(p).get("if-none-match")).isEqualTo("\"v1\"");
    assertThat(validated.status()).isEqualTo(200);
    assertThat(header(validated, "cache-status")).contains("fwd-status=304");
    get(p, "Pragma", "no-cache");
    assertThat(origin.count(p)).isEqualTo(3);
    get(p, "Pragma", "no-cache", "Cache-Control", "max-stale=10");
    assertThat(origin.count(p)).as("Pragma counts only without Cache-Control").isEqualTo(3);
  }

  @Test
  void requestMaxAgeMinFreshAndMaxStale() throws Exception {
    String p = path("req-max-age");
    origin.answer(p).header("cache-control", "max-age=2");
    get(p);
    Thread.sleep(1100);
    get(p, "Cache-Control", "max-age=0");
    assertThat(origin.count(p)).as("max-age=0: too old").isEqualTo(2);
    get(p, "Cache-Control", "min-fresh=10");
    assertThat(origin.count(p)).as("min-fresh beyond the lifetime").isEqualTo(3);
    Thread.sleep(2100);
    Reply stale = get(p, "Cache-Control", "max-stale=60");
    assertThat(origin.count(p)).as("max-stale accepts the stale copy").isEqualTo(3);
    assertThat(stale.status()).isEqualTo(200);
    get(p);
    assertThat(origin.count(p)).isEqualTo(4);
  }

  @Test
  void immutableResponsesAreServedOnAReloadButNotOnAHardOne() throws Exception {
    String p = path("immutable");
    origin.answer(p).header("cache-control", "public, max-age=600, immutable").header("etag", "\"v1\"");
    get(p);
    Thread.sleep(1100);
    Reply reload = get(p, "Cache-Control", "max-age=0");
    assertThat(origin.count(p)).as("a reload of a fresh immutable response").isEqualTo(1);
    assertThat(reload.headers().get("cache-status").get(0)).contains("hit");
    get(p, "Cache-Control", "no-cache");
    assertThat(origin.count(p)).as("a hard reload still validates").isEqualTo(2);
  }

  @Test
  void mustRevalidateForbidsServingStale() throws Exception {
    String p = path("must-revalidate");
    origin.answer(p).header("cache-control", "max-age=1, must-revalidate");
    get(p);
    Thread.sleep(1100);
    get(p, "Cache-Control", "max-stale=60");
    assertThat(origin.count(p)).isEqualTo(2);
  }

  @Test
  void onlyIfCachedAnswers504WhenNothingIsStored() throws Exception {
    String p = path("only-if-cached");
    origin.answer(p).header("cache-control", "max-age=60");
    assertThat(get(p, "Cache-Control", "only-if-cached").status()).isEqualTo(504);
    get(p);
    assertThat(get(p, "Cache-Control", "only-if-cached").status()).isEqualTo(200);
    assertThat(origin.count(p)).isEqualTo(1);
  }

  @Test
  void requestNoStoreKeepsTheResponseOut() throws Exception {
    String p = path("req-no-store");
    origin.answer(p).header("cache-control", "max-age=60");
    get(p, "Cache-Control", "no-store");
    get(p);
    assertThat(origin.count(p)).isEqualTo(2);
  }

  // --- validation ---

  @Test
  void aResponseWithNoCacheIsStoredAndValidatedEachTimeWithItsEtag() throws Exception {
    String p = path("no-cache-etag");
    Origin.Answer a = origin.answer(p).header("cache-control", "no-cache").header("etag", "\"e1\"").body("stored");
    a.etag = "\"e1\"";
    get(p);
    Reply second = get(p);
    assertThat(second.body()).isEqualTo("stored");
    assertThat(origin.count(p)).isEqualTo(2);
    assertThat(origin.last(p).get("if-none-match")).isEqualTo("\"e1\"");
  }

  @Test
  void lastModifiedValidationAndA304UpdatesTheStoredFields() throws Exception {
    String p = path("lm");
    String lm = HttpDate.format(System.currentTimeMillis() - 3_600_000L);
    Origin.Answer a = origin.answer(p).header("cache-control", "max-age=1").header("last-modified", lm)
        .header("x-version", "1").body("body-1");
    a.lastModified = lm;
    get(p);
    Thread.sleep(1100);
    a.headers.set("x-version", "2");
    a.headers.set("cache-control", "max-age=60");
    Reply validated = get(p);
    assertThat(origin.last(p).get("if-modified-since")).isEqualTo(lm);
    assertThat(validated.body()).isEqualTo("body-1");
    assertThat(header(validated, "x-version")).isEqualTo("2");
    get(p);
    assertThat(origin.count(p)).as("the 304's max-age=60 now holds").isEqualTo(2);
  }

  @Test
  void theClientsOwnConditionsAreAnsweredFromTheStore() throws Exception {
    String p = path("client-inm");
    origin.answer(p).header("cache-control", "max-age=60").header("etag", "W/\"abc\"")
        .header("last-modified", HttpDate.format(System.currentTimeMillis() - 60_000));
    get(p);
    assertThat(get(p, "If-None-Match", "\"abc\"").status()).as("weak comparison").isEqualTo(304);
    assertThat(get(p, "If-None-Match", "\"other\"").status()).isEqualTo(200);
    assertThat(get(p, "If-Modified-Since", now()).status()).as("not modified since now").isEqualTo(304);
    assertThat(get(p, "If-Modified-Since", HttpDate.format(System.currentTimeMillis() - 3_600_000L)).status())
        .as("modified since an hour ago").isEqualTo(200);
    assertThat(origin.count(p)).isEqualTo(1);
  }

  @Test
  void headIsAnsweredFromAStoredGet() throws Exception {
    String p = path("head");
    origin.answer(p).header("cache-control", "max-age=60").body("twelve bytes");
    get(p);
    Reply head = request("HEAD", "cache.test", p);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(header(head, "content-length")).isEqualTo("12");
    assertThat(origin.count(p)).isEqualTo(1);
  }

  // --- Vary ---

  @Test
  void varyKeepsOneVariantPerValue() throws Exception {
    String p = path("vary");
    origin.answer(p).header("cache-control", "max-age=60").header("vary", "Accept-Language");
    get(p, "Accept-Language", "en");
    get(p, "Accept-Language", "de");
    get(p, "Accept-Language", "en");
    get(p, "Accept-Language", "de");
    assertThat(origin.count(p)).isEqualTo(2);
    get(p);
    assertThat(origin.count(p)).as("absent is a value of its own").isEqualTo(3);
  }

  @Test
  void keyHeadersAndIgnoredQueryParametersShapeTheKey() throws Exception {
    String p = path("key-headers");
    origin.answer(p).header("cache-control", "max-age=60");
    request("GET", "small.test", p, "X-Tenant", "a");
    request("GET", "small.test", p, "X-Tenant", "b");
    request("GET", "small.test", p, "X-Tenant", "a");
    assertThat(origin.count(p)).isEqualTo(2);
    String q = path("ignored-query");
    origin.answer(q).header("cache-control", "max-age=60");
    request("GET", "trusting.test", q + "?id=1&utm_source=mail");
    request("GET", "trusting.test", q + "?id=1&utm_source=web");
    request("GET", "trusting.test", q + "?id=2");
    assertThat(origin.count(q)).isEqualTo(2);
  }

  // --- invalidation ---

  @Test
  void unsafeMethodsInvalidateTheUriAndTheLocationsTheyName() throws Exception {
    String p = path("invalidate");
    String other = path("invalidate-other");
    origin.answer(p).header("cache-control", "max-age=60").header("location", other);
    origin.answer(other).header("cache-control", "max-age=60");
    get(p);
    get(other);
    request("POST", "cache.test", p);
    get(p);
    get(other);
    assertThat(origin.count(p)).isEqualTo(3); // GET, POST, GET again
    assertThat(origin.count(other)).isEqualTo(2);
    String failed = path("invalidate-failed");
    origin.answer(failed).header("cache-control", "max-age=60");
    get(failed);
    origin.answer(failed).status(500).header("cache-control", "max-age=60");
    request("DELETE", "cache.test", failed);
    origin.answer(failed).header("cache-control", "max-age=60");
    get(failed);
    assertThat(origin.count(failed)).as("a failed DELETE invalidates nothing").isEqualTo(2);
  }

  // --- stale content (RFC 5861) ---

  @Test
  void staleWhileRevalidateAnswersAtOnceAndRefreshesBehind() throws Exception {
    String p = path("swr");
    Origin.Answer a = origin.answer(p).header("cache-control", "max-age=1, stale-while-revalidate=60").body("old");
    get(p);
    Thread.sleep(1100);
    a.body("new");
    a.delayMs = 500;
    long start = System.nanoTime();
    Reply stale = get(p);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(400);
    assertThat(stale.body()).isEqualTo("old");
    assertThat(header(stale, "cache-status")).contains("fwd=stale");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(get(p).body()).isEqualTo("new"));
    assertThat(origin.count(p)).isEqualTo(2);
  }

  @Test
  void staleIfErrorAnswersWhenTheOriginFails() throws Exception {
    String p = path("sie");
    origin.answer(p).header("cache-control", "max-age=1, stale-if-error=60").body("good");
    get(p);
    Thread.sleep(1100);
    origin.answer(p).status(503).body("down");
    Reply r = get(p);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("good");
    String q = path("no-sie");
    origin.answer(q).header("cache-control", "max-age=1").body("good");
    get(q);
    Thread.sleep(1100);
    origin.answer(q).status(503).body("down");
    assertThat(get(q).status()).as("without stale-if-error the error passes").isEqualTo(503);
  }

  // --- ranges ---

  @Test
  void rangesAreAnsweredFromAStoredResponseAndOtherwisePassThrough() throws Exception {
    String p = path("range");
    origin.answer(p).header("cache-control", "max-age=60").header("etag", "\"r1\"").body("0123456789");
    Reply miss = get(p, "Range", "bytes=2-4");
    assertThat(miss.status()).as("not stored yet: this origin ignores Range").isEqualTo(200);
    get(p);
    Reply part = get(p, "Range", "bytes=2-4");
    assertThat(part.status()).isEqualTo(206);
    assertThat(part.body()).isEqualTo("234");
    assertThat(header(part, "content-range")).isEqualTo("bytes 2-4/10");
    assertThat(get(p, "Range", "bytes=-3").body()).isEqualTo("789");
    assertThat(get(p, "Range", "bytes=7-").body()).isEqualTo("789");
    assertThat(get(p, "Range", "bytes=20-").status()).isEqualTo(416);
    assertThat(get(p, "Range", "bytes=0-1,4-5").body()).as("several ranges: the whole body").isEqualTo("0123456789");
    assertThat(get(p, "Range", "bytes=2-4", "If-Range", "\"other\"").body()).as("If-Range no longer holds")
        .isEqualTo("0123456789");
    assertThat(origin.count(p)).isEqualTo(2);
  }

  // --- found in review ---

  @Test
  void routesSharingAPathKeepTheirOwnEntries() throws Exception {
    String p = path("split");
    origin.answer(p).header("cache-control", "max-age=60");
    get(p);
    get(p, "X-Variant", "b");
    get(p);
    get(p, "X-Variant", "b");
    assertThat(origin.count(p)).isEqualTo(2);
  }

  @Test
  void aRevalidationThatSetsACookieIsNotShared() throws Exception {
    String p = path("304-cookie");
    Origin.Answer a = origin.answer(p).header("cache-control", "max-age=1").header("etag", "\"c1\"").body("page");
    a.etag = "\"c1\"";
    get(p);
    Thread.sleep(1100);
    a.headers.add("set-cookie", "session=bob");
    a.headers.set("cache-control", "max-age=60");
    Reply revalidated = get(p);
    assertThat(header(revalidated, "set-cookie")).as("this client gets its cookie").isEqualTo("session=bob");
    Reply next = get(p);
    assertThat(header(next, "cache-status")).as("the next one gets no stored copy of it").doesNotContain("hit");
    assertThat(origin.count(p)).isEqualTo(3);
  }

  @Test
  void responsesVaryingOnWhatTheProxySetsAreNotStored() throws Exception {
    String p = path("vary-real-ip");
    origin.answer(p).header("cache-control", "max-age=60").header("vary", "X-Real-IP");
    get(p);
    get(p);
    assertThat(origin.count(p)).isEqualTo(2);
    String q = path("vary-rewritten");
    origin.answer(q).header("cache-control", "max-age=60").header("vary", "X-Plan");
    request("GET", "rewriting.test", q);
    request("GET", "rewriting.test", q);
    assertThat(origin.count(q)).isEqualTo(2);
  }

  @Test
  void clientsCannotDeleteStoredResponses() throws Exception {
    String p = path("undeletable");
    origin.answer(p).header("cache-control", "max-age=60");
    get(p);
    request("HEAD", "cache.test", p, "Cache-Control", "no-cache, no-store");
    get(p, "Cache-Control", "no-store, no-cache");
    get(p);
    assertThat(origin.count(p)).as("the stored GET outlives no-store requests").isEqualTo(3);
  }

  @Test
  void staleWhileRevalidateRefreshesAgainAndAgain() throws Exception {
    String p = path("swr-again");
    Origin.Answer a = origin.answer(p).header("cache-control", "max-age=1, stale-while-revalidate=60").body("v1");
    get(p);
    for (String next : List.of("v2", "v3")) {
      Thread.sleep(1100);
      a.body(next);
      get(p);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(get(p).body()).isEqualTo(next));
    }
  }

  @Test
  void uncacheableAnswersDoNotMakeConcurrentRequestsQueue() throws Exception {
    String p = path("uncacheable-slow");
    Origin.Answer a = origin.answer(p).header("cache-control", "no-store").body("x".repeat(100));
    a.delayMs = 300;
    List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      replies.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.httpPort() + p))
          .header("Host", "cache.test").build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (var r : replies) {
      assertThat(r.get().statusCode()).isEqualTo(200);
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    // One coalesced wait at most (300 ms), then all together: far from ten in a row (3 s).
    assertThat(ms).isLessThan(1500);
  }

  // --- control ---

  HttpResponse<String> admin(String method, String pathAndQuery, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.adminPort()
        + pathAndQuery)).method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void purgingNeedsTheAdminTokenAndDropsByUrlPrefixOrAll() throws Exception {
    String p = path("purge");
    String q = p + "/child";
    origin.answer(p).header("cache-control", "max-age=600").header("vary", "accept-language");
    origin.answer(q).header("cache-control", "max-age=600");
    get(p, "Accept-Language", "en");
    get(p, "Accept-Language", "de");
    get(q);
    String url = "http://cache.test" + p;
    assertThat(admin("POST", "/cache/purge?url=" + url, null).statusCode()).isEqualTo(401);
    assertThat(admin("POST", "/cache/purge?url=" + url, "wrong").statusCode()).isEqualTo(401);
    assertThat(admin("GET", "/cache/purge?url=" + url, ADMIN_TOKEN).statusCode()).isEqualTo(405);
    assertThat(admin("POST", "/cache/purge?url=not-a-url", ADMIN_TOKEN).statusCode()).isEqualTo(400);
    HttpResponse<String> purged = admin("POST", "/cache/purge?url=" + url, ADMIN_TOKEN);
    assertThat(purged.statusCode()).isEqualTo(200);
    assertThat(purged.body()).isEqualTo("purged 1 keys\n"); // one key, both of its Vary variants
    get(p, "Accept-Language", "en");
    get(q);
    assertThat(origin.count(p)).isEqualTo(3);
    assertThat(origin.count(q)).as("another URL stays").isEqualTo(1);
    assertThat(admin("POST", "/cache/purge?prefix=" + url, ADMIN_TOKEN).body()).startsWith("purged 2");
    get(q);
    assertThat(origin.count(q)).isEqualTo(2);
    assertThat(admin("POST", "/cache/purge?all=true", ADMIN_TOKEN).statusCode()).isEqualTo(200);
    get(q);
    assertThat(origin.count(q)).isEqualTo(3);
    String stats = admin("GET", "/cache/stats", null).body();
    assertThat(stats).contains("\"hits\":", "\"misses\":", "\"coalesced\":", "\"evictions\":", "\"bytes\":");
  }

  // --- coalescing and memory ---

  @Test
  void aThunderingHerdSendsOneRequestUpstream() throws Exception {
    String p = path("herd");
    Origin.Answer a = origin.answer(p).header("cache-control", "max-age=60").body("herd");
    a.delayMs = 500;
    List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      replies.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.httpPort() + p))
          .header("Host", "cache.test").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    AtomicInteger ok = new AtomicInteger();
    for (var r : replies) {
      if (r.get().statusCode() == 200 && r.get().body().equals("herd")) {
        ok.incrementAndGet();
      }
    }
    System.out.printf("thundering herd: %d requests answered, %d reached the origin, %d coalesced in all%n", ok.get(),
        origin.count(p), dataPlane.cache().stats().coalesced.sum());
    assertThat(ok.get()).isEqualTo(1000);
    assertThat(origin.count(p)).isEqualTo(1);
  }

  @Test
  void theCacheStaysWithinItsMemoryBudget() throws Exception {
    // A data plane of its own with a 1 MiB budget, filled with 4 MiB of cacheable responses.
    dev.portcullis.dataplane.DataPlane small = dev.portcullis.dataplane.DataPlane.start(
        dev.portcullis.dataplane.DataPlaneConfig.loopback(1).withCacheBytes(1024 * 1024));
    var shared = dataPlane;
    try {
      dataPlane = small;
      Cluster c = new Cluster("origin", List.of(new Endpoint("127.0.0.1", origin.port())), BalancerPolicy.ROUND_ROBIN,
          1000, null);
      small.apply(1, new RouteTable(List.of(host("cache.test", c, new RoutePolicies.CachePolicy(true))), List.of(c)));
      String body = "y".repeat(50_000);
      List<String> filled = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        String p = path("fill");
        origin.answer(p).header("cache-control", "max-age=60").body(body);
        assertThat(get(p).body()).isEqualTo(body);
        filled.add(p);
      }
      var cache = small.cache();
      System.out.printf("memory bound: %d bytes stored of a %d budget, %d entries, %d evictions%n", cache.bytes(),
          cache.maxBytes(), cache.entries(), cache.stats().evictions.sum());
      assertThat(cache.bytes()).isLessThanOrEqualTo(1024 * 1024).isGreaterThan(500_000);
      assertThat(cache.stats().evictions.sum()).isPositive();
      // What the origin sends again for a miss is not stored: otherwise each miss would evict one
      // of the stored responses, and which ones survive would be up to the eviction policy's timing.
      for (String p : filled) {
        origin.answer(p).header("cache-control", "no-store").body(body);
      }
      int hits = 0;
      for (String p : filled) {
        int before = origin.count(p);
        get(p);
        hits += origin.count(p) == before ? 1 : 0;
      }
      assertThat(hits).as("what fits is still served").isGreaterThan(10);
    } finally {
      dataPlane = shared;
      small.close();
    }
  }
}

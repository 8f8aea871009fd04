package dev.portcullis.dataplane.cache;

import dev.portcullis.model.RoutePolicies;
import io.vertx.core.MultiMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cache key path of every cacheable request: the URI key (with and without ignored query
 * parameters) and the sub-key of route and key headers. In the cache's package: the sub-key is not
 * public API.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CacheKeyBench {

  RoutePolicies.CachePolicy plain;
  RoutePolicies.CachePolicy ignoring;
  RoutePolicies.CachePolicy keyed;
  MultiMap headers;

  @Setup
  public void setUp() {
    plain = new RoutePolicies.CachePolicy(true);
    ignoring = new RoutePolicies.CachePolicy(true, 0, 0, List.of(), List.of("utm_source", "utm_medium"), false, false,
        false);
    keyed = new RoutePolicies.CachePolicy(true, 0, 0, List.of("accept-language", "x-device"), List.of(), false, false,
        false);
    headers = MultiMap.caseInsensitiveMultiMap().add("accept-language", "en-GB,en;q=0.8").add("x-device", "mobile")
        .add("user-agent", "bench").add("accept", "*/*");
  }

  @Benchmark
  public String uriKey() {
    return CacheKeys.uri("shop.example.com", "/products/1234", "page=2&sort=price", plain);
  }

  @Benchmark
  public String uriKeyIgnoringParams() {
    return CacheKeys.uri("shop.example.com", "/products/1234", "page=2&utm_source=news&sort=price&utm_medium=mail",
        ignoring);
  }

  @Benchmark
  public String subKeyWithHeaders() {
    return CacheKeys.subKey("default/shop/rule-0", headers, keyed);
  }
}

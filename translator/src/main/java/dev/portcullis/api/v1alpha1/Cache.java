package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Caching of responses at the edge (RFC 9111 shared cache). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class Cache {
  @JsonPropertyDescription("Cache the rule's responses as their Cache-Control (or CDN-Cache-Control) allows.")
  public Boolean enabled;

  @JsonPropertyDescription("Freshness of responses that state none (no max-age, s-maxage or Expires). Default: "
      + "none, only the RFC's heuristic for responses with Last-Modified.")
  @Pattern(Timeouts.DURATION)
  public String defaultTtl;

  @JsonPropertyDescription("Bodies larger than this many bytes are passed on but not stored. Default: 8388608 (8 MiB).")
  @Min(1)
  @Max(1073741824)
  public Long maxObjectSize;

  @JsonPropertyDescription("What else the cache key includes: header values and the query (default: the query).")
  public KeyIncludes keyIncludes;

  @JsonPropertyDescription("Query parameters left out of the cache key, such as utm_source.")
  @Size(max = 32)
  public List<String> ignoreQueryParams = new ArrayList<>();

  @JsonPropertyDescription("Store responses to requests with Authorization even when the response does not say "
      + "public, s-maxage or must-revalidate. Default: false.")
  public Boolean cacheAuthorized;

  @JsonPropertyDescription("Store responses that set cookies, and so hand those cookies to every client. Default: false.")
  public Boolean cacheSetCookie;

  /** Parts of the request in the cache key beyond host and path. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class KeyIncludes {
    @JsonPropertyDescription("Request headers whose values are part of the key (on top of what Vary asks).")
    @Size(max = 16)
    public List<@Pattern(Match.HEADER_NAME_PATTERN) String> headers = new ArrayList<>();

    @JsonPropertyDescription("Whether the query is part of the key. Default: true.")
    public Boolean query;
  }
}

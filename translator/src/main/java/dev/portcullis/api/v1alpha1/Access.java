package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Client address rules, evaluated on the real client address. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class Access {
  @JsonPropertyDescription("CIDRs allowed (IPv4 or IPv6); when set, every other address is refused.")
  @Size(max = 256)
  public List<String> allow = new ArrayList<>();

  @JsonPropertyDescription("CIDRs refused; deny wins over allow.")
  @Size(max = 256)
  public List<String> deny = new ArrayList<>();
}

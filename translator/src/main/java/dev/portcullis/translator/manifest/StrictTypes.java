package dev.portcullis.translator.manifest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Reading as the API server reads a custom resource: a value must have the JSON type its schema
 * says. Jackson would convert {@code port: "80"}, {@code name: 123}, {@code redirectHttp: "true"}
 * or {@code weight: 1.5}, take an enum's ordinal ({@code on: [2]}), trim an enum value
 * ({@code " GET"}) and keep {@code null} list items; the API server refuses all of them, so local
 * mode refuses them too, with the field and a plain reason. A whole number written as
 * {@code 80.0} is an integer to the API server (JSON has one number type), and to us.
 */
final class StrictTypes {
  private StrictTypes() {}

  static ObjectMapper configure(ObjectMapper m) {
    m.enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
    m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    m.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    for (LogicalType number : List.of(LogicalType.Integer, LogicalType.Float)) {
      m.coercionConfigFor(number)
          .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }
    m.coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    m.configOverride(List.class).setSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL));
    SimpleModule exactEnums = new SimpleModule("exact-enums");
    exactEnums.setDeserializerModifier(new BeanDeserializerModifier() {
      @Override
      public JsonDeserializer<?> modifyEnumDeserializer(DeserializationConfig config, JavaType type,
          BeanDescription beanDesc, JsonDeserializer<?> deserializer) {
        return new ExactEnum(deserializer, names(type.getRawClass()));
      }
    });
    m.registerModule(exactEnums);
    return m;
  }

  /** {@code 80.0} becomes {@code 80}, as for the API server; {@code 1.5} stays, and is refused where an integer is due. */
  static void wholeNumbersAsIntegers(JsonNode node) {
    if (node instanceof ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        JsonNode v = o.get(name);
        if (isWhole(v)) {
          o.set(name, LongNode.valueOf(v.longValue()));
        } else {
          wholeNumbersAsIntegers(v);
        }
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        if (isWhole(a.get(i))) {
          a.set(i, LongNode.valueOf(a.get(i).longValue()));
        } else {
          wholeNumbersAsIntegers(a.get(i));
        }
      }
    }
  }

  private static boolean isWhole(JsonNode v) {
    if (!v.isFloatingPointNumber() || Double.isNaN(v.doubleValue()) || Double.isInfinite(v.doubleValue())) {
      return false;
    }
    BigDecimal d = v.decimalValue();
    return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0
        && d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0 && d.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0;
  }

  /** What is wrong with a value, in the schema's words rather than Java's. */
  static String message(JsonMappingException e) {
    if (e instanceof InvalidNullException) {
      return "must not be null";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InputCoercionException) {
        return "is out of range";
      }
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      Class<?> type = m.getTargetType();
      Object value = e instanceof InvalidFormatException f ? f.getValue() : null;
      String quote = value instanceof Number n ? ", not the number " + n + ": quote it"
          : value instanceof Boolean b ? ", not " + b + ": quote it" : "";
      if (type.isEnum()) {
        String values = String.join(", ", names(type));
        return e instanceof InvalidFormatException f && f.getValue() instanceof String s
            ? "\"" + s + "\" is not one of " + values
            : "must be a string" + quote + (quote.isEmpty() ? ", " : "; ") + "one of " + values;
      }
      if (type == String.class) {
        return "must be a string" + quote;
      }
      if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
        return "must be an integer";
      }
      if (type == Boolean.class || type == boolean.class) {
        return "must be true or false";
      }
      if (Collection.class.isAssignableFrom(type)) {
        return "must be a list";
      }
      if (Map.class.isAssignableFrom(type) || type.getName().startsWith("dev.portcullis.")) {
        return "must be an object";
      }
    }
    return e.getOriginalMessage();
  }

  /** An enum's values as written in YAML: the {@code @JsonProperty} names where there are some. */
  static List<String> names(Class<?> type) {
    List<String> names = new ArrayList<>();
    for (Object constant : type.getEnumConstants()) {
      String name = ((Enum<?>) constant).name();
      try {
        JsonProperty p = type.getField(name).getAnnotation(JsonProperty.class);
        names.add(p != null && !p.value().isEmpty() ? p.value() : name);
      } catch (NoSuchFieldException impossible) {
        names.add(name);
      }
    }
    return names;
  }

  /** An enum value must be one of the names exactly: Jackson would trim it, or take a number as an index. */
  private static final class ExactEnum extends DelegatingDeserializer {
    private static final long serialVersionUID = 1L;
    private final List<String> names;

    ExactEnum(JsonDeserializer<?> delegate, List<String> names) {
      super(delegate);
      this.names = names;
    }

    @Override
    protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> delegate) {
      return new ExactEnum(delegate, names);
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.hasToken(JsonToken.VALUE_STRING) && !names.contains(p.getText())) {
        return ctxt.handleWeirdStringValue(handledType(), p.getText(), "not one of %s", names);
      }
      return super.deserialize(p, ctxt);
    }
  }
}

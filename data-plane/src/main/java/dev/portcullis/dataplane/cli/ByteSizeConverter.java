package dev.portcullis.dataplane.cli;

import picocli.CommandLine;

/** Sizes on the command line: plain bytes, or with a binary suffix: {@code 64Ki}, {@code 256Mi}, {@code 2Gi}. */
public final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {

  /** The same, where 0 means "no limit". */
  public static final class OrZero implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return value.trim().equals("0") ? 0L : new ByteSizeConverter().convert(value);
    }
  }

  @Override
  public Long convert(String value) {
    String v = value.trim();
    long unit = 1;
    if (v.endsWith("Ki")) {
      unit = 1L << 10;
    } else if (v.endsWith("Mi")) {
      unit = 1L << 20;
    } else if (v.endsWith("Gi")) {
      unit = 1L << 30;
    }
    String digits = unit == 1 ? v : v.substring(0, v.length() - 2);
    try {
      long n = Long.parseLong(digits);
      if (n <= 0 || n > Long.MAX_VALUE / unit) {
        throw new CommandLine.TypeConversionException("'" + value + "' must be a positive size");
      }
      return n * unit;
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a size such as 268435456, 64Ki, 256Mi or 2Gi");
    }
  }
}

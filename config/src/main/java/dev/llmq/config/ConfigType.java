package dev.llmq.config;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * The type of a configuration value and how a YAML scalar (a string, number or boolean as the YAML reader gives it)
 * becomes one. Conversion errors name what was expected, never the value's secret-bearing text in full.
 *
 * @param name how the docs name the type
 */
public record ConfigType<T>(String name, Class<T> javaType, Function<Object, T> converter) {

    public static final ConfigType<String> STRING = new ConfigType<>("string", String.class, ConfigType::text);
    public static final ConfigType<Boolean> BOOLEAN = new ConfigType<>("boolean", Boolean.class, ConfigType::bool);
    public static final ConfigType<Integer> INT = new ConfigType<>("int", Integer.class,
            v -> Math.toIntExact(integral(v)));
    public static final ConfigType<Long> LONG = new ConfigType<>("long", Long.class, ConfigType::integral);
    public static final ConfigType<Double> DOUBLE = new ConfigType<>("number", Double.class, ConfigType::number);
    /** A duration written as (possibly fractional) seconds, as LiteLLM writes timeouts. */
    public static final ConfigType<Duration> SECONDS = new ConfigType<>("seconds", Duration.class,
            v -> Duration.ofNanos(Math.round(number(v) * 1_000_000_000L)));
    /** An exact decimal (money), read from the number's text so that {@code 0.1} stays 0.1. */
    public static final ConfigType<java.math.BigDecimal> DECIMAL = new ConfigType<>("decimal",
            java.math.BigDecimal.class, ConfigType::decimal);
    /** A nested map or list, read by the loader itself; the definition documents it. */
    public static final ConfigType<Object> STRUCTURE = new ConfigType<>("map/list", Object.class, v -> v);

    public ConfigType {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(javaType, "javaType");
        Objects.requireNonNull(converter, "converter");
    }

    /** @throws IllegalArgumentException when the value is not of this type */
    public T convert(Object raw) {
        Objects.requireNonNull(raw, "raw");
        try {
            return converter.apply(raw);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("expected " + article() + " " + name + ", got " + describe(raw), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected " + article() + " " + name + ", got " + describe(raw), e);
        }
    }

    private String article() {
        return "aeiou".indexOf(name.charAt(0)) >= 0 ? "an" : "a";
    }

    private static String describe(Object raw) {
        String s = String.valueOf(raw);
        return raw instanceof String ? "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'" : s;
    }

    private static String text(Object v) {
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        throw new IllegalArgumentException("not a scalar");
    }

    private static Boolean bool(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw new IllegalArgumentException("not a boolean");
    }

    private static long integral(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d != Math.rint(d) || Double.isInfinite(d) || Math.abs(d) > Long.MAX_VALUE) {
                throw new IllegalArgumentException("not a whole number");
            }
            return (long) d;
        }
        if (v instanceof String s) {
            return Long.parseLong(s.trim());
        }
        throw new IllegalArgumentException("not a whole number");
    }

    private static java.math.BigDecimal decimal(Object v) {
        if (v instanceof java.math.BigDecimal b) {
            return b;
        }
        if (v instanceof Number || v instanceof String) {
            return new java.math.BigDecimal(v.toString().trim());
        }
        throw new IllegalArgumentException("not a number");
    }

    private static double number(Object v) {
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else if (v instanceof String s) {
            d = Double.parseDouble(s.trim());
        } else {
            throw new IllegalArgumentException("not a number");
        }
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("not a finite number");
        }
        return d;
    }
}

package dev.llmq.config;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/** The validators configuration keys use. */
public final class Validators {

    private Validators() {
    }

    /** Anything of the right type. */
    public static <T> Validator<T> any() {
        return of(v -> null, "");
    }

    public static <T extends Number> Validator<T> atLeast(long min) {
        return of(v -> v.doubleValue() >= min ? null : "must be >= " + min + ", got " + v, ">= " + min);
    }

    public static <T extends Number> Validator<T> between(long min, long max) {
        return of(v -> v.doubleValue() >= min && v.doubleValue() <= max ? null
                : "must be in [" + min + ", " + max + "], got " + v, "[" + min + ", " + max + "]");
    }

    /** What {@link #budgetDuration()} accepts: the amount is group 1, the unit group 2. */
    public static final String BUDGET_DURATION = "([1-9][0-9]{0,5})(s|m|h|d|w|mo)";

    /** A decimal above zero. */
    public static Validator<java.math.BigDecimal> positiveDecimal() {
        return of(v -> v.signum() > 0 ? null : "must be > 0, got " + v.toPlainString(), "> 0");
    }

    /**
     * A budget period as LiteLLM writes {@code budget_duration}: a whole number and a unit, {@code s}, {@code m},
     * {@code h}, {@code d}, {@code w} or {@code mo} (calendar months).
     */
    public static Validator<String> budgetDuration() {
        Pattern pattern = Pattern.compile(BUDGET_DURATION);
        return of(v -> pattern.matcher(v).matches() ? null
                : "must be a whole number and s, m, h, d, w or mo (30s, 1h, 1d, 7d, 1mo), got '" + v + "'",
                "a number and s, m, h, d, w or mo");
    }

    /** A setting llmq supports in one position only: {@code true}; {@code why} says what false would ask for. */
    public static Validator<Boolean> onlyTrue(String why) {
        return of(v -> v ? null : "must be true: " + why + ", got false", "true only");
    }

    /** A fraction in (0, 1]. */
    public static Validator<Double> fraction() {
        return of(v -> v > 0 && v <= 1 ? null : "must be in (0, 1], got " + v, "(0, 1]");
    }

    public static Validator<java.time.Duration> nonNegative() {
        return of(v -> v.isNegative() ? "must be >= 0, got " + v.toMillis() / 1000.0 + " s" : null, ">= 0");
    }

    /** A duration of at least the given whole seconds. */
    public static Validator<java.time.Duration> atLeastSeconds(long seconds) {
        return of(v -> v.compareTo(java.time.Duration.ofSeconds(seconds)) >= 0 ? null
                : "must be >= " + seconds + " s, got " + v.toMillis() / 1000.0 + " s", ">= " + seconds + " s");
    }

    /** A duration of at least {@code min}. */
    public static Validator<java.time.Duration> atLeast(java.time.Duration min) {
        return of(v -> v.compareTo(min) < 0 ? "must be >= " + min.toMillis() / 1000.0 + " s, got "
                + v.toMillis() / 1000.0 + " s" : null, ">= " + min.toMillis() / 1000.0 + " s");
    }

    /** A duration from {@code min} to {@code max}, both included. */
    public static Validator<java.time.Duration> between(java.time.Duration min, java.time.Duration max) {
        String range = "[" + min.toMillis() / 1000.0 + " s, " + max.toMillis() / 1000.0 + " s]";
        return of(v -> v.compareTo(min) < 0 || v.compareTo(max) > 0
                ? "must be in " + range + ", got " + v.toMillis() / 1000.0 + " s" : null, range);
    }

    public static Validator<java.time.Duration> positive() {
        return of(v -> v.isNegative() || v.isZero() ? "must be > 0, got " + v.toMillis() / 1000.0 + " s" : null,
                "> 0");
    }

    public static Validator<String> nonBlank() {
        return of(v -> v.isBlank() ? "must not be blank" : null, "not blank");
    }

    /** An {@code http://} or {@code https://} URL of a host and an optional port, nothing after them. */
    public static Validator<String> httpHostUrl() {
        Pattern pattern = Pattern.compile("https?://[^/\\s:]+(:[0-9]{1,5})?/?");
        return of(v -> pattern.matcher(v).matches() ? null
                : "must be an http(s) URL of a host and a port (http://host:8080), got '" + v + "'",
                "http(s)://host[:port]");
    }

    /** The whole value matches the regular expression. */
    public static Validator<String> matches(String regex, String description) {
        Pattern pattern = Pattern.compile(regex);
        return of(v -> pattern.matcher(v).matches() ? null : "must use only " + description + ", got '" + v + "'",
                description);
    }

    /** One of the given words. */
    public static Validator<String> oneOf(String... values) {
        List<String> allowed = Arrays.asList(values);
        return of(v -> allowed.contains(v) ? null : "must be one of " + allowed + ", got '" + v + "'",
                "one of " + String.join(", ", allowed));
    }

    private static <T> Validator<T> of(java.util.function.Function<T, String> check, String description) {
        return new Validator<>() {
            @Override
            public String problem(T value) {
                return check.apply(value);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }
}

package dev.llmq.provider.spi;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads "wait this long" hints from response headers: {@code retry-after-ms}, {@code Retry-After} (seconds or an
 * HTTP date), and OpenAI's {@code x-ratelimit-reset-requests} / {@code x-ratelimit-reset-tokens} ({@code 1s},
 * {@code 6m0s}, {@code 20ms}).
 */
public final class RetryHints {

    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");
    private static final Duration MAX = Duration.ofDays(1);

    private final Clock clock;

    public RetryHints(Clock clock) {
        this.clock = clock;
    }

    /** The provider's explicit retry hint: {@code retry-after-ms}, then {@code Retry-After}. */
    public Optional<Duration> retryAfter(HttpHeaders headers) {
        Optional<Duration> ms = headers.firstValue("retry-after-ms").flatMap(RetryHints::millis);
        if (ms.isPresent()) {
            return ms;
        }
        return headers.firstValue("retry-after").flatMap(this::retryAfterValue);
    }

    /**
     * The explicit hint, else for rate limits OpenAI's reset headers: the reset of the exhausted budget (remaining 0),
     * or the longer of both resets when none says it is exhausted.
     */
    public Optional<Duration> retryAfterOrReset(HttpHeaders headers) {
        Optional<Duration> explicit = retryAfter(headers);
        if (explicit.isPresent()) {
            return explicit;
        }
        Optional<Duration> requests = headers.firstValue("x-ratelimit-reset-requests").flatMap(RetryHints::goDuration);
        Optional<Duration> tokens = headers.firstValue("x-ratelimit-reset-tokens").flatMap(RetryHints::goDuration);
        boolean requestsOut = headers.firstValue("x-ratelimit-remaining-requests").filter("0"::equals).isPresent();
        boolean tokensOut = headers.firstValue("x-ratelimit-remaining-tokens").filter("0"::equals).isPresent();
        Optional<Duration> best = Optional.empty();
        if (requestsOut || tokensOut) {
            best = longer(requestsOut ? requests : Optional.empty(), tokensOut ? tokens : Optional.empty());
        }
        return best.isPresent() ? best : longer(requests, tokens);
    }

    Optional<Duration> retryAfterValue(String raw) {
        String v = raw.strip();
        try {
            double seconds = Double.parseDouble(v);
            if (seconds < 0 || Double.isNaN(seconds)) {
                return Optional.empty();
            }
            return Optional.of(cap(Duration.ofMillis((long) Math.ceil(seconds * 1000))));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return Optional.of(d.isNegative() ? Duration.ZERO : cap(d));
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
    }

    /** Parses Go-style durations as OpenAI sends them: {@code 1s}, {@code 6m0s}, {@code 1h2m3.5s}, {@code 20ms}. */
    public static Optional<Duration> goDuration(String raw) {
        String v = raw.strip();
        Matcher m = GO_DURATION.matcher(v);
        long nanos = 0;
        int at = 0;
        while (m.find()) {
            if (m.start() != at) {
                return Optional.empty();
            }
            at = m.end();
            double n = Double.parseDouble(m.group(1));
            double unit = switch (m.group(2)) {
                case "h" -> 3_600e9;
                case "m" -> 60e9;
                case "s" -> 1e9;
                default -> 1e6;
            };
            nanos += (long) (n * unit);
        }
        if (at == 0 || at != v.length()) {
            return Optional.empty();
        }
        return Optional.of(cap(Duration.ofNanos(nanos)));
    }

    private static Optional<Duration> millis(String raw) {
        try {
            double ms = Double.parseDouble(raw.strip());
            return ms < 0 || Double.isNaN(ms) ? Optional.empty() : Optional.of(cap(Duration.ofNanos((long) (ms * 1e6))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Duration> longer(Optional<Duration> a, Optional<Duration> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return Optional.of(a.get().compareTo(b.get()) >= 0 ? a.get() : b.get());
    }

    private static Duration cap(Duration d) {
        return d.compareTo(MAX) > 0 ? MAX : d;
    }
}

package dev.llmq.runtime.mock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How one deployment (one {@code model} value) of the mock server behaves.
 *
 * @param latency           wait before a non-stream response (error answers are immediate)
 * @param timeToFirstToken  wait before the first stream event
 * @param tokensPerSecond   pace of stream tokens after the first; 0 means as fast as possible
 * @param completionTokens  words generated per choice, before {@code max_tokens} cuts them
 * @param faults            rules tried in order; the first whose trigger matches applies
 */
public record MockBehavior(Duration latency, Duration timeToFirstToken, double tokensPerSecond,
                           int completionTokens, List<FaultRule> faults) {

    public static final int DEFAULT_COMPLETION_TOKENS = 16;

    public MockBehavior {
        requireNonNegative(latency, "latency");
        requireNonNegative(timeToFirstToken, "timeToFirstToken");
        if (!(tokensPerSecond >= 0.0) || Double.isInfinite(tokensPerSecond)) {
            throw new IllegalArgumentException("tokensPerSecond must be finite and >= 0, got " + tokensPerSecond);
        }
        if (completionTokens < 0) {
            throw new IllegalArgumentException("completionTokens must be >= 0, got " + completionTokens);
        }
        faults = List.copyOf(faults);
    }

    /** No delay, 16 words, no faults. */
    public static MockBehavior defaults() {
        return new MockBehavior(Duration.ZERO, Duration.ZERO, 0, DEFAULT_COMPLETION_TOKENS, List.of());
    }

    public MockBehavior withLatency(Duration d) {
        return new MockBehavior(d, timeToFirstToken, tokensPerSecond, completionTokens, faults);
    }

    public MockBehavior withTimeToFirstToken(Duration d) {
        return new MockBehavior(latency, d, tokensPerSecond, completionTokens, faults);
    }

    public MockBehavior withTokensPerSecond(double tps) {
        return new MockBehavior(latency, timeToFirstToken, tps, completionTokens, faults);
    }

    public MockBehavior withCompletionTokens(int n) {
        return new MockBehavior(latency, timeToFirstToken, tokensPerSecond, n, faults);
    }

    /** Adds a rule after the existing ones. */
    public MockBehavior withFault(FaultRule rule) {
        List<FaultRule> more = new ArrayList<>(faults);
        more.add(Objects.requireNonNull(rule, "rule"));
        return new MockBehavior(latency, timeToFirstToken, tokensPerSecond, completionTokens, more);
    }

    public MockBehavior failingAlways(Fault fault) {
        return withFault(FaultRule.always(fault));
    }

    public MockBehavior failingFirst(long n, Fault fault) {
        return withFault(FaultRule.firstN(n, fault));
    }

    public MockBehavior failingFraction(double probability, Fault fault) {
        return withFault(FaultRule.fraction(probability, fault));
    }

    public MockBehavior withoutFaults() {
        return new MockBehavior(latency, timeToFirstToken, tokensPerSecond, completionTokens, List.of());
    }

    private static void requireNonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + d);
        }
    }
}

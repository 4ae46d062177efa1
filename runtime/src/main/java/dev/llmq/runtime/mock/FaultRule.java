package dev.llmq.runtime.mock;

import java.util.Objects;

/** A fault and which requests of a deployment it hits. The first matching rule of a behavior wins. */
public record FaultRule(Fault fault, Trigger trigger) {

    public FaultRule {
        Objects.requireNonNull(fault, "fault");
        Objects.requireNonNull(trigger, "trigger");
    }

    /** Which requests a rule hits; requests are counted per model since its behavior was set. */
    public sealed interface Trigger {
        /** Every request. */
        record Always() implements Trigger {
        }

        /** The first {@code n} requests (numbers 1..n). */
        record FirstN(long n) implements Trigger {
            public FirstN {
                if (n < 0) {
                    throw new IllegalArgumentException("n must be >= 0, got " + n);
                }
            }
        }

        /**
         * A share of requests, chosen by seeded randomness from the server seed, the model and the
         * request number, so the same sequence of requests fails the same way every run.
         */
        record Fraction(double probability) implements Trigger {
            public Fraction {
                if (!(probability >= 0.0 && probability <= 1.0)) {
                    throw new IllegalArgumentException("probability must be 0..1, got " + probability);
                }
            }
        }
    }

    public static FaultRule always(Fault fault) {
        return new FaultRule(fault, new Trigger.Always());
    }

    public static FaultRule firstN(long n, Fault fault) {
        return new FaultRule(fault, new Trigger.FirstN(n));
    }

    public static FaultRule fraction(double probability, Fault fault) {
        return new FaultRule(fault, new Trigger.Fraction(probability));
    }
}

package dev.llmq.bench.load;

import java.time.Duration;
import java.util.Objects;

/**
 * How the load generator sends: the loop, its bound in time and in count, and the per-request timeout.
 *
 * @param loop        open (a set rate) or closed (a set concurrency)
 * @param duration    no request is sent (open loop: intended) after this much time from the start
 * @param maxRequests no more requests than this
 * @param timeout     connect and read timeout of one request (an expired one counts as a transport error)
 */
public record LoadSpec(Loop loop, Duration duration, long maxRequests, Duration timeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public LoadSpec {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(timeout, "timeout");
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive, got " + duration);
        }
        if (maxRequests < 1) {
            throw new IllegalArgumentException("maxRequests must be >= 1, got " + maxRequests);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    public static LoadSpec open(double rate, int connections, Duration duration, long maxRequests) {
        return new LoadSpec(new Loop.Open(rate, connections), duration, maxRequests, DEFAULT_TIMEOUT);
    }

    public static LoadSpec closed(int concurrency, Duration duration, long maxRequests) {
        return new LoadSpec(new Loop.Closed(concurrency), duration, maxRequests, DEFAULT_TIMEOUT);
    }

    /** The same with another duration and count (e.g. a warm-up before the measured run). */
    public LoadSpec bounded(Duration otherDuration, long otherMaxRequests) {
        return new LoadSpec(loop, otherDuration, otherMaxRequests, timeout);
    }

    public sealed interface Loop {

        /** Connections the generator keeps open, one virtual thread each. */
        int connections();

        /**
         * Request {@code i} is due at {@code start + i / rate}, whether or not earlier ones have been answered; up to
         * {@code connections} are outstanding at once, and a request due while all are busy waits for one (its
         * latency counts that wait: it is measured from when it was due).
         */
        record Open(double rate, int connections) implements Loop {
            public Open {
                if (!(rate > 0) || Double.isInfinite(rate)) {
                    throw new IllegalArgumentException("rate must be positive, got " + rate);
                }
                if (connections < 1) {
                    throw new IllegalArgumentException("connections must be >= 1, got " + connections);
                }
            }
        }

        /** {@code concurrency} connections, each sending its next request as soon as the last one is answered. */
        record Closed(int concurrency) implements Loop {
            public Closed {
                if (concurrency < 1) {
                    throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
                }
            }

            @Override
            public int connections() {
                return concurrency;
            }
        }
    }
}

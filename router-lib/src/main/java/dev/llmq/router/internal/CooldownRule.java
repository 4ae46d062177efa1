package dev.llmq.router.internal;

import dev.llmq.provider.ErrorKind;
import dev.llmq.router.HealthPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * LiteLLM's cooldown rule as a pure function: whether one failed call cools its deployment down, and for how long.
 * Not API: the router's deployment state applies it.
 *
 * <p>In order: connection errors cool a deployment of a group with another one by the failure-rate rules below, for
 * this worker only ({@link Decision#shared()} false: a network fault may be this worker's alone); any other kind
 * that does not count against health ({@link ErrorKind#cooldown()}) never cools; a 429 or 503
 * (or {@code rate_limited} / {@code quota_exhausted} / {@code overloaded}) whose Retry-After is longer than a job
 * waits for one cools at once, even a group's only deployment
 * ({@link HealthPolicy#MAX_RETRY_AFTER_WAIT}: the provider said no call will do before then, so the jobs fail or
 * wait without calling it, instead of each calling it again within seconds); a 429 (or {@code rate_limited} /
 * {@code quota_exhausted}) cools at once when the group has another deployment; 401 and 404
 * (or {@code authentication} / {@code not_found}) cool at once; otherwise only a group with another deployment
 * cools, by the first rule that applies: the kind's {@code allowed_fails_policy} entry, {@code allowed_fails}, else
 * more than {@link HealthPolicy#failureThreshold()} of at least {@link HealthPolicy#failureMinRequests()} requests
 * of the minute failed. A cooldown lasts {@code cooldown_time}, else the error's Retry-After, else
 * {@link HealthPolicy#DEFAULT_COOLDOWN}; a Retry-After over a job's wait lasts itself, whatever
 * {@code cooldown_time}. No Retry-After-long cooldown lasts over {@link #MAX_RETRY_AFTER_COOLDOWN}. Under
 * {@link HealthPolicy#disableCooldowns()} nothing cools, as LiteLLM skips its whole cooldown logic then.
 */
public final class CooldownRule {

    /**
     * The kinds that cool a deployment at once (429s when the group has another deployment, 401 and 404 always),
     * whatever {@code allowed_fails} or {@code allowed_fails_policy} allows: an allowance for them has no effect.
     */
    public static final Set<ErrorKind> COOL_AT_ONCE = Set.of(ErrorKind.RATE_LIMITED, ErrorKind.QUOTA_EXHAUSTED,
            ErrorKind.AUTHENTICATION, ErrorKind.NOT_FOUND);

    /** The longest cooldown a Retry-After sets (a day's quota window is rechecked each hour). */
    public static final Duration MAX_RETRY_AFTER_COOLDOWN = Duration.ofHours(1);

    private CooldownRule() {
    }

    /**
     * The calls of the current minute that count against health, the failure being judged included (when its kind
     * counts).
     *
     * @param failures failures of every kind that counts
     * @param failuresOfKind failures of the judged error's kind
     */
    public record Minute(int successes, int failures, int failuresOfKind) {
        public Minute {
            if (successes < 0 || failuresOfKind < 0 || failures < failuresOfKind) {
                throw new IllegalArgumentException("need 0 <= failuresOfKind <= failures and successes >= 0, got "
                        + successes + "/" + failures + "/" + failuresOfKind);
            }
        }
    }

    /**
     * Cool down for {@code duration}; {@code reason} says which rule fired (e.g. {@code rate_limited (429)}). The
     * duration is taken as given, even a negative Retry-After: such a cooldown is over as soon as it starts.
     *
     * @param shared whether the other workers are told (false for connection errors: they may be this worker's own)
     */
    public record Decision(Duration duration, String reason, boolean shared) {
        public Decision {
            Objects.requireNonNull(duration, "duration");
            Objects.requireNonNull(reason, "reason");
        }

        /** A cooldown every worker is told of. */
        public Decision(Duration duration, String reason) {
            this(duration, reason, true);
        }
    }

    /**
     * @param httpStatus the real status, or 0 when no response arrived
     * @param retryAfter what the provider asked for, or null
     * @param groupHasOthers the model group has another deployment to send calls to meanwhile
     * @return the cooldown, or empty when this failure does not cool the deployment
     */
    public static Optional<Decision> decide(HealthPolicy policy, ErrorKind kind, int httpStatus, Duration retryAfter,
                                            Minute minute, boolean groupHasOthers) {
        if (policy.disableCooldowns()) {
            return Optional.empty();
        }
        if (kind == ErrorKind.CONNECTION_ERROR) {
            // the failure-rate rules only, and for this worker: the host may be down for all, or the network only
            // for this one, whose view must not hold every other worker back
            String reason = groupHasOthers ? reason(policy, kind, httpStatus, minute, true) : null;
            return reason == null ? Optional.empty() : Optional.of(new Decision(policy.cooldownTime() != null
                    ? policy.cooldownTime() : HealthPolicy.DEFAULT_COOLDOWN, reason + " (this worker)", false));
        }
        if (!kind.cooldown()) {
            return Optional.empty();
        }
        boolean comeBackLater = kind == ErrorKind.RATE_LIMITED || kind == ErrorKind.QUOTA_EXHAUSTED
                || kind == ErrorKind.OVERLOADED || httpStatus == 429 || httpStatus == 503;
        Duration asked = retryAfter == null ? null
                : retryAfter.compareTo(MAX_RETRY_AFTER_COOLDOWN) > 0 ? MAX_RETRY_AFTER_COOLDOWN : retryAfter;
        if (comeBackLater && asked != null && asked.compareTo(HealthPolicy.MAX_RETRY_AFTER_WAIT) > 0) {
            return Optional.of(new Decision(asked, kind.wire() + status(httpStatus) + ", Retry-After "
                    + retryAfter.toSeconds() + " s"));
        }
        String reason = reason(policy, kind, httpStatus, minute, groupHasOthers);
        if (reason == null) {
            return Optional.empty();
        }
        Duration d = policy.cooldownTime() != null ? policy.cooldownTime()
                : asked != null ? asked : HealthPolicy.DEFAULT_COOLDOWN;
        return Optional.of(new Decision(d, reason));
    }

    private static String status(int httpStatus) {
        return httpStatus > 0 ? " (" + httpStatus + ")" : "";
    }

    private static String reason(HealthPolicy policy, ErrorKind kind, int httpStatus, Minute minute,
                                 boolean groupHasOthers) {
        String status = status(httpStatus);
        if (kind == ErrorKind.RATE_LIMITED || kind == ErrorKind.QUOTA_EXHAUSTED || httpStatus == 429) {
            return groupHasOthers ? kind.wire() + status : null;
        }
        if (kind == ErrorKind.AUTHENTICATION || kind == ErrorKind.NOT_FOUND || httpStatus == 401
                || httpStatus == 404) {
            return kind.wire() + status;
        }
        if (!groupHasOthers) {
            return null;
        }
        Integer perKind = policy.allowedFailsPolicy().get(kind);
        if (perKind != null) {
            int n = minute.failuresOfKind();
            return n > perKind ? n + " " + kind.wire() + " failures this minute > allowed " + perKind : null;
        }
        int failures = minute.failures();
        if (policy.allowedFails() != null) {
            return failures > policy.allowedFails()
                    ? failures + " failures this minute > allowed_fails " + policy.allowedFails() : null;
        }
        int total = failures + minute.successes();
        if (total >= policy.failureMinRequests() && failures > policy.failureThreshold() * total) {
            return failures + " of " + total + " requests failed this minute";
        }
        return null;
    }
}

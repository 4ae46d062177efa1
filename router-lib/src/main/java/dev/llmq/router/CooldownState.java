package dev.llmq.router;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.router.internal.CooldownRule;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A deployment's cooldown: until when, whether this process started it (only that process announces its end), and
 * the outcomes of the current minute that {@link CooldownRule} judges. Not thread-safe: the owning
 * {@link DeploymentState}'s lock guards it.
 */
final class CooldownState {

    private final String deploymentId;
    private final HealthPolicy policy;
    private final Consumer<DeploymentHealthEvent> emit;

    private Instant until;
    private boolean local;
    /** The cooldown in force is this process's alone (connection errors): nothing announced, at its start or end. */
    private boolean unshared;
    private int successes;
    private int failures;
    private final Map<ErrorKind, Integer> failuresByKind = new EnumMap<>(ErrorKind.class);

    CooldownState(String deploymentId, HealthPolicy policy, Consumer<DeploymentHealthEvent> emit) {
        this.deploymentId = deploymentId;
        this.policy = policy;
        this.emit = emit;
    }

    /** End of the cooldown, or null; call {@link #recoverIfDue} first. */
    Instant until() {
        return until;
    }

    /** Forgets the outcomes of the previous minute. */
    void newMinute() {
        successes = 0;
        failures = 0;
        failuresByKind.clear();
    }

    void onSuccess() {
        successes++;
    }

    /** Counts a failure whose kind counts against health, and cools down when the rule says so. */
    void onFailure(Instant now, ProviderError error, boolean groupHasOthers) { // connection errors too
        failures++;
        int failuresOfKind = failuresByKind.merge(error.kind(), 1, Integer::sum);
        CooldownRule.decide(policy, error.kind(), error.httpStatus(), error.retryAfter(),
                        new CooldownRule.Minute(successes, failures, failuresOfKind), groupHasOthers)
                .ifPresent(cool -> {
                    Instant next = now.plus(cool.duration());
                    if (until == null || next.isAfter(until)) {
                        until = next;
                        local = true;
                        unshared = !cool.shared();
                        if (cool.shared()) {
                            emit.accept(new DeploymentHealthEvent(deploymentId, DeploymentHealthEvent.State.COOLED,
                                    next, cool.reason()));
                        }
                    }
                });
    }

    /**
     * Takes over the cooldown of {@code old}, the state this one replaces (a config reload changed the deployment
     * or the health settings): the cooldown in force goes on, and this process still announces the end of one it
     * started. Under {@code disable_cooldowns} (a reload turned it on) it ends instead, announced as any end is: no
     * deployment is held back while cooldowns are off.
     */
    void inherit(CooldownState old) {
        if (policy.disableCooldowns()) {
            if (old.until != null && old.local && !old.unshared) {
                emit.accept(new DeploymentHealthEvent(deploymentId, DeploymentHealthEvent.State.RECOVERED, null,
                        "cooldowns disabled"));
            }
            return;
        }
        until = old.until;
        local = old.local;
        unshared = old.unshared;
    }

    /**
     * Another process cooled the deployment until {@code next}; a later end wins. Under {@code disable_cooldowns}
     * nothing: this process takes no deployment out of rotation, whoever cooled it (a worker still on the config
     * before a reload that turned cooldowns off, say).
     */
    void applyCooled(Instant next) {
        if (policy.disableCooldowns()) {
            return;
        }
        if (until == null || next.isAfter(until)) {
            until = next;
            local = false;
            unshared = false;
        }
    }

    /** Another process saw the cooldown end. */
    void applyRecovered() {
        until = null;
    }

    /** Ends a cooldown that is over at {@code now}, announcing it when this process started and announced it. */
    void recoverIfDue(Instant now) {
        if (until != null && !now.isBefore(until)) {
            until = null;
            boolean announce = local && !unshared;
            local = false;
            unshared = false;
            if (announce) {
                emit.accept(new DeploymentHealthEvent(deploymentId, DeploymentHealthEvent.State.RECOVERED, null,
                        "cooldown over"));
            }
        }
    }

    /** The cooldown in force as an event, or null; call {@link #recoverIfDue} first. */
    DeploymentHealthEvent active() {
        return until == null || unshared ? null
                : new DeploymentHealthEvent(deploymentId, DeploymentHealthEvent.State.COOLED, until, "cooling down");
    }
}

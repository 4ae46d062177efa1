package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * A deployment health change on {@code llmq.control.v1}: one worker's cooldown or circuit breaker decision, read by
 * every other worker. Keyed by {@link #key(String, String)}, one key per deployment and facet, so that compaction keeps
 * the latest record of each facet: a breaker that closes never erases a cooldown still in force.
 *
 * @param type always {@value #TYPE}; other kinds of control messages carry other types
 * @param state {@code cooled}, {@code recovered}, {@code open} or {@code closed}; an unknown state is skipped
 * @param until when a cooldown or an open breaker ends ({@code cooled} and {@code open} only)
 * @param source the publishing worker instance ({@code <worker id>/<random>}), so a worker skips its own messages
 * @param at when the publishing worker decided it
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeploymentHealthMessage(int schemaVersion, String type, String deploymentId, String state,
                                      Instant until, String reason, String source, Instant at) {

    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "deployment_health";
    /** Record keys start with this, so that other kinds of control messages never share a key with health. */
    public static final String KEY_PREFIX = "deployment-health:";
    public static final String FACET_COOLDOWN = "cooldown";
    public static final String FACET_BREAKER = "breaker";

    /** The compaction key of one deployment's facet ({@value #FACET_COOLDOWN} or {@value #FACET_BREAKER}). */
    public static String key(String deploymentId, String facet) {
        if (!FACET_COOLDOWN.equals(facet) && !FACET_BREAKER.equals(facet)) {
            throw new IllegalArgumentException("facet must be cooldown or breaker, got " + facet);
        }
        return KEY_PREFIX + deploymentId + ":" + facet;
    }
}

package dev.llmq.router;

import java.util.EnumSet;
import java.util.Set;

/**
 * The parts of the config's {@code llmq:} section, so that a role can say which it reads. A part a role does not
 * read is still checked (its keys and types), but an {@code os.environ/NAME} there that names an unset variable
 * does not stop the role: that part is taken as absent (its defaults). An ingest's {@code state_dir} given through a
 * variable set only where ingests run thus does not stop a worker or a broker read from the same file.
 */
public enum LlmqSection {

    /** {@code llmq.kafka}: the Kafka client properties. */
    KAFKA("kafka"),
    /** {@code llmq.topics}: the prefix, partitions and replication factor of llmq's topics. */
    TOPICS("topics"),
    /** {@code llmq.ingest}: the ingest API's limits, state directory and URLs. */
    INGEST("ingest"),
    /** {@code llmq.worker}: the worker's in-flight limits, chunking, timeouts. */
    WORKER("worker"),
    /** {@code llmq.providers}: per-provider limits. */
    PROVIDERS("providers"),
    /** {@code llmq.model_groups}: per-group timeouts. */
    MODEL_GROUPS("model_groups"),
    /** {@code llmq.health}: cooldowns and circuit breakers. */
    HEALTH("health"),
    /** {@code llmq.mock_llm}: the in-process mock LLM server. */
    MOCK_LLM("mock_llm"),
    /** {@code llmq.pricing}: the price table. */
    PRICING("pricing"),
    /** {@code llmq.usage}: the usage aggregator's settings. */
    USAGE("usage"),
    /** {@code llmq.budgets} and the deployments' {@code max_budget}. */
    BUDGETS("budgets"),
    /** {@code llmq.auth}: the API keys (roles that listen on a host check them before they bind it). */
    AUTH("auth"),
    /**
     * {@code llmq.auth.internal_key}: the key llmq's instances call each other's internal routes with; within
     * {@link #AUTH}, so a role that reads it reads that part too.
     */
    INTERNAL_KEY("auth.internal_key");

    private final String key;

    LlmqSection(String key) {
        this.key = key;
    }

    /** The dotted key under {@code llmq:}. */
    public String key() {
        return key;
    }

    /** Every part: what a role that reads the whole config (or a caller that does not say) gets. */
    public static Set<LlmqSection> all() {
        return EnumSet.allOf(LlmqSection.class);
    }
}

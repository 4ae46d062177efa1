package dev.llmq.router;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * llmq's own {@code llmq:} section.
 *
 * @param kafka Kafka client properties, passed through unchanged (nested YAML maps flattened with dots)
 */
public record LlmqSettings(Map<String, String> kafka, Topics topics, Ingest ingest, Worker worker) {

    public static final LlmqSettings DEFAULTS = new LlmqSettings(Map.of(), Topics.DEFAULTS, Ingest.DEFAULTS,
            Worker.DEFAULTS);

    public LlmqSettings {
        kafka = kafka == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(kafka));
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(ingest, "ingest");
        Objects.requireNonNull(worker, "worker");
    }

    /** {@code llmq.topics}: the prefix of every topic name and the partitions/replication of created topics. */
    public record Topics(String prefix, int partitions, short replicationFactor) {
        public static final Topics DEFAULTS = new Topics("llmq", 6, (short) 1);

        public Topics {
            if (prefix == null || prefix.isBlank()) {
                throw new IllegalArgumentException("topics.prefix must not be blank");
            }
            if (partitions < 1 || replicationFactor < 1) {
                throw new IllegalArgumentException("topics.partitions and topics.replication_factor must be >= 1");
            }
        }
    }

    /** {@code llmq.ingest}. */
    public record Ingest(long maxBodyBytes) {
        public static final Ingest DEFAULTS = new Ingest(10L * 1024 * 1024);

        public Ingest {
            if (maxBodyBytes < 1) {
                throw new IllegalArgumentException("ingest.max_body_bytes must be >= 1");
            }
        }
    }

    /**
     * {@code llmq.worker}.
     *
     * @param limitShare the fraction of each deployment's rpm/tpm limit llmq's workers may use together (default
     *                   1.0; lower it to leave room for other clients of the same keys). Each worker process takes
     *                   1/N of it while N workers run ({@link DeploymentHealth#processFraction(double)})
     */
    public record Worker(int maxInFlight, double limitShare) {
        public static final Worker DEFAULTS = new Worker(256, 1.0);

        public Worker {
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("worker.max_in_flight must be >= 1");
            }
            if (!(limitShare > 0 && limitShare <= 1)) {
                throw new IllegalArgumentException("worker.limit_share must be in (0, 1], got " + limitShare);
            }
        }
    }
}

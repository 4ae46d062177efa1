package dev.llmq.schemas;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The one definition of an llmq topic: its name (after the configurable prefix), what its keys and values are, how
 * many partitions it gets and how the broker keeps it. Topic creation, the integration-test fixtures and the docs all
 * read these; see {@link Topics} for the catalogue.
 *
 * @param suffix the name after the prefix, e.g. {@code jobs.v1}
 * @param key what the record key is
 * @param valueType the message record of the value, or null where the value is not one JSON record (the DLQ keeps
 *                  the original bytes)
 * @param value what the value is, in a few words (for the docs)
 * @param fixedPartitions a partition count the topic always gets, or null for the configured count
 *                        ({@code llmq.topics.partitions})
 * @param compacted whether the topic is compacted ({@code cleanup.policy=compact}) rather than deleted by time
 * @param retention how long records are kept, or null for the broker's default
 * @param purpose one line for the docs
 * @param cleaning for a compacted topic whose deleted records must leave the disk soon, at most how long a record
 *                 waits before the log cleaner may remove what replaced it ({@code max.compaction.lag.ms}, with
 *                 segments rolled at a twenty-fourth of it, {@code segment.ms}); null for the broker's defaults
 *                 (segments of 7 days, compacted once half of a log is dead)
 */
public record TopicSpec<V>(String suffix, String key, Class<V> valueType, String value, Integer fixedPartitions,
                           boolean compacted, Duration retention, String purpose, Duration cleaning) {

    public TopicSpec {
        Objects.requireNonNull(suffix, "suffix");
        if (!suffix.matches("[a-z0-9.-]+\\.v[0-9]+")) {
            throw new IllegalArgumentException("topic suffix must be lowercase and versioned (name.vN): " + suffix);
        }
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(purpose, "purpose");
        if (fixedPartitions != null && fixedPartitions < 1) {
            throw new IllegalArgumentException("fixedPartitions must be >= 1");
        }
        if (retention != null && (retention.isNegative() || retention.isZero())) {
            throw new IllegalArgumentException("retention must be positive");
        }
        if (cleaning != null && (!compacted || cleaning.toMinutes() < 24)) {
            throw new IllegalArgumentException("cleaning is for compacted topics, and at least 24 minutes");
        }
    }

    /** A topic cleaned on the broker's defaults. */
    public TopicSpec(String suffix, String key, Class<V> valueType, String value, Integer fixedPartitions,
                     boolean compacted, Duration retention, String purpose) {
        this(suffix, key, valueType, value, fixedPartitions, compacted, retention, purpose, null);
    }

    /** The topic's full name under a prefix. */
    public String name(TopicNames names) {
        return names.prefix() + "." + suffix;
    }

    /** Partitions to create: the fixed count, else the configured one. */
    public int partitions(int configured) {
        if (configured < 1) {
            throw new IllegalArgumentException("configured partitions must be >= 1, got " + configured);
        }
        return fixedPartitions != null ? fixedPartitions : configured;
    }

    /** The topic-level configs to create the topic with (names as Kafka's {@code TopicConfig} spells them). */
    public Map<String, String> configs() {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("cleanup.policy", compacted ? "compact" : "delete");
        if (retention != null) {
            configs.put("retention.ms", Long.toString(retention.toMillis()));
        }
        if (cleaning != null) {
            configs.put("max.compaction.lag.ms", Long.toString(cleaning.toMillis()));
            configs.put("segment.ms", Long.toString(cleaning.dividedBy(24).toMillis()));
        }
        return Map.copyOf(configs);
    }

    /** A serde for the value record; only for topics whose value is one JSON record. */
    public JsonSerde<V> serde() {
        if (valueType == null) {
            throw new IllegalStateException("topic " + suffix + " has no JSON value record");
        }
        return new JsonSerde<>(valueType);
    }
}

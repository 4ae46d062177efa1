package dev.llmq.config;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * Client settings llmq gives its Kafka Streams applications (the ingest's status store, the usage aggregator) unless
 * the user's Kafka properties ({@code llmq.kafka}) set the same key: a key the user sets applies to every client of
 * the role as given, and llmq's default for one kind of client steps aside. The prefixes are Kafka Streams' own
 * ({@code StreamsConfig.consumerPrefix}, {@code producerPrefix}); this module has no Kafka dependency.
 */
public final class StreamsDefaults {

    /**
     * How long a member that stopped heartbeating (a killed process) keeps its tasks before the group hands them on,
     * and how long a restarted one waits for its own former member to expire before it runs: 10 s, not the Kafka
     * consumer's 45 s (a standalone killed with SIGKILL had its usage aggregator not ready for 55 s after a restart).
     * The price: a member paused longer (a long GC, a network cut) loses its tasks and restores them.
     */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);

    /** How often a member heartbeats: a fifth of {@link #SESSION_TIMEOUT}. */
    public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(2);

    private StreamsDefaults() {
    }

    /** {@link #SESSION_TIMEOUT} and {@link #HEARTBEAT_INTERVAL} for the group, unless the user sets them. */
    public static void shortSession(Properties props, Map<String, ?> user) {
        consumer(props, user, "session.timeout.ms", SESSION_TIMEOUT.toMillis());
        consumer(props, user, "heartbeat.interval.ms", HEARTBEAT_INTERVAL.toMillis());
    }

    /**
     * The application's main consumer joins its group as the static member {@code instanceId} ({@code
     * group.instance.id}), unless {@code user} sets one: an instance restarted after a crash under the same id takes
     * its former member's place at once, instead of waiting {@link #SESSION_TIMEOUT} for it to expire. A stopped
     * instance still leaves the group (the roles close their streams with {@code LEAVE_GROUP}), so the others take
     * its tasks at once; two live instances given the same id fence each other, as their transactional ids do.
     */
    public static void staticMember(Properties props, Map<String, ?> user, String instanceId) {
        if (!user.containsKey("group.instance.id")) {
            props.put("main.consumer.group.instance.id", instanceId);
        }
    }

    /** {@code key} of the application's consumers (main, restore, global), unless {@code user} sets {@code key}. */
    public static void consumer(Properties props, Map<String, ?> user, String key, long value) {
        unlessSet(props, user, "consumer.", key, Long.toString(value));
    }

    /** {@code key} of the application's producers, unless {@code user} sets {@code key}. */
    public static void producer(Properties props, Map<String, ?> user, String key, long value) {
        unlessSet(props, user, "producer.", key, Long.toString(value));
    }

    /** {@code key} of the application's producers, unless {@code user} sets {@code key}. */
    public static void producer(Properties props, Map<String, ?> user, String key, String value) {
        unlessSet(props, user, "producer.", key, value);
    }

    /**
     * Kafka Streams' processing exception handler for global tables too ({@code processing.exception.handler.global
     * .enabled}, Kafka 5.0's default), unless {@code user} sets it; with the default handler a global table's
     * processing error fails as it did without. Until it is set Kafka Streams warns at every start, from the
     * application's config and again from its partition assignor, which reads the main consumer's configs: so the
     * value goes there too.
     */
    public static void globalProcessingErrorsHandled(Properties props, Map<String, ?> user) {
        String key = "processing.exception.handler.global.enabled";
        if (!user.containsKey(key)) {
            props.put(key, "true");
        }
        props.put("main.consumer." + key, String.valueOf(props.get(key)));
    }

    private static void unlessSet(Properties props, Map<String, ?> user, String prefix, String key, String value) {
        if (!user.containsKey(key)) {
            props.put(prefix + key, value);
        }
    }
}

package dev.llmq.ingest.internal;

import dev.llmq.config.KafkaTransactions;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.LeftOpenTransactions;
import dev.llmq.schemas.TopicNames;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Kafka client properties for the ingest API; the settings' extra properties are applied last. */
public final class KafkaClients {

    static final int LINGER_MS = 2;

    /**
     * A group commit transaction's {@code transaction.timeout.ms}, in Kafka timeouts: above the longest a live one
     * takes (two: its sends' delivery timeout, then the commit's wait), below how long its submissions wait (four).
     */
    static final int TRANSACTION_TIMEOUTS = 3;

    /** How much longer each wait between two attempts to reach Kafka is than the one before. */
    static final double BACKOFF_MULTIPLIER = 2.0;

    private KafkaClients() {
    }

    /**
     * The waits between attempts to reach Kafka: a fifth of {@link IngestSettings#kafkaTimeout()}, doubling up to
     * the Kafka timeout itself (attempt 1 is the wait after the first failure). Each failed attempt has usually
     * blocked for the Kafka timeout already, so a larger cap would only delay recovery once the broker is back.
     */
    static IntervalFunction backoff(IngestSettings s) {
        Duration max = s.kafkaTimeout();
        return IntervalFunction.ofExponentialBackoff(max.dividedBy(5), BACKOFF_MULTIPLIER, max);
    }

    /** An idempotent, acks=all producer whose waits are bounded by {@link IngestSettings#kafkaTimeout()}. */
    public static Map<String, Object> producer(IngestSettings s, String clientId, String transactionalId) {
        long timeout = s.kafkaTimeout().toMillis();
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
        // a single job's batch holds one or a few records, which lz4 shrinks little while the broker (validating),
        // every worker and every status store decompress it again; a group transaction's batches are larger
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, transactionalId == null ? "none" : "lz4");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (timeout - LINGER_MS));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int) Math.min(Integer.MAX_VALUE - 1, s.maxBodyBytes() + 65536));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, KafkaTransactions.RETRY_BACKOFF.toMillis());
            // also how long a killed ingest's open transaction holds the workers back on the partitions it wrote
            p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) (TRANSACTION_TIMEOUTS * timeout));
        }
        p.putAll(s.kafkaProperties());
        // what an accepted submission rests on (written to every replica, once, in its transaction): not loosened
        // by llmq.kafka / LLMQ_KAFKA_*
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        } else {
            p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        }
        return p;
    }

    /**
     * Looks for what the ingest's transactional producers (group commits, files) left open, each time one is
     * initialized: on the jobs, batches and files topics, with the settings' Kafka timeout for each question.
     */
    public static LeftOpenTransactions leftOpenTransactions(IngestSettings s) {
        Map<String, Object> admin = admin(s, s.instanceId() + "-left-open");
        TopicNames t = s.topics();
        return new LeftOpenTransactions(() -> Admin.create(admin), List.of(t.jobs(), t.jobsInteractive(), t.batches(),
                t.files(), t.fileParts()), null, s.kafkaTimeout());
    }

    /** An admin client's properties; the settings' extra properties are applied last. */
    public static Map<String, Object> admin(IngestSettings s, String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        p.putAll(s.kafkaProperties());
        return p;
    }

    /** A group-less consumer (manual assignment) reading committed data only. */
    public static Map<String, Object> consumer(IngestSettings s, String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.putAll(s.kafkaProperties());
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        // never show a job whose submission was aborted
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return p;
    }
}

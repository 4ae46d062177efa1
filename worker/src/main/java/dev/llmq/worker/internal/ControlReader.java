package dev.llmq.worker.internal;

import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.worker.budgets.BudgetBoard;
import java.nio.charset.StandardCharsets;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what a worker must know from the compacted control topic before it takes jobs, through one
 * {@link ControlTopicTail}: every {@code job_cancel} into {@link Cancellations}, and every {@code budget_state} into
 * the {@link BudgetBoard} (a tombstone on a budget key forgets it). Records of other control types (deployment
 * health, read by the health bus) are skipped; an unreadable record is skipped and logged. {@link #awaitCaughtUp}
 * tells when the cancellations asked and the budget states written before the start are known.
 */
public final class ControlReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlReader.class);
    private static final JsonSerde<JobControlMessage> CONTROL = JsonSerde.jobControl();
    private static final JsonSerde<BudgetMessage> BUDGET = JsonSerde.budget();

    private final Cancellations cancellations;
    private final BudgetBoard budgets;
    private final ControlTopicTail tail;

    public ControlReader(String bootstrapServers, Map<String, String> clientProperties, String topic,
                         String clientId, Cancellations cancellations, BudgetBoard budgets) {
        this.cancellations = Objects.requireNonNull(cancellations, "cancellations");
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.tail = new ControlTopicTail(props, topic, clientId, "control", this::handle);
    }

    /** Kafka's metrics of this reader's consumer, for binding to a meter registry (closed by the caller). */
    public KafkaClientMetrics metrics() {
        return tail.metrics();
    }

    public ControlReader start() {
        tail.start();
        return this;
    }

    /** Waits until the topic was read up to where it ended at start (or the reader stopped); false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return tail.awaitCaughtUp(timeout);
    }

    public boolean caughtUp() {
        return tail.caughtUp();
    }

    @Override
    public void close() {
        tail.close();
    }

    boolean handle(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return forget(record);
        }
        Header type = record.headers().lastHeader(LlmqHeaders.CONTROL_TYPE);
        String kind = type == null ? "" : new String(type.value(), StandardCharsets.UTF_8);
        try {
            switch (kind) {
                case JobControlMessage.TYPE_CANCEL -> cancellations.apply(CONTROL.fromBytes(record.value()));
                case BudgetMessage.TYPE -> budgets.apply(BUDGET.fromBytes(record.value()));
                default -> {
                    return false; // another kind of control message
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("skipping unreadable {} record {}-{}@{}: {}", kind, record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return false;
        }
        return true;
    }

    /** A tombstone: forgets the budget it deletes; other kinds keep nothing per key. */
    private boolean forget(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        if (!key.startsWith(BudgetMessage.KEY_PREFIX)) {
            return false;
        }
        budgets.remove(key);
        return true;
    }
}

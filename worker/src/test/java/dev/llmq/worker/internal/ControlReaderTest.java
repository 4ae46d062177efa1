package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.worker.budgets.BudgetBoard;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The control reader's dispatch: budget states to the board, tombstones forget them, unreadable records skipped. */
class ControlReaderTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    private final BudgetBoard board = new BudgetBoard();
    private final ControlReader reader = new ControlReader("127.0.0.1:9", Map.of(), "control", "test",
            new Cancellations(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofHours(1)), board);
    private long offset;

    @AfterEach
    void close() {
        reader.close();
    }

    private ConsumerRecord<byte[], byte[]> record(String key, byte[] value, String type) {
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("control", 0, offset++,
                key.getBytes(StandardCharsets.UTF_8), value);
        if (type != null) {
            r.headers().add(LlmqHeaders.CONTROL_TYPE, type.getBytes(StandardCharsets.UTF_8));
        }
        return r;
    }

    @Test
    void budgetStatesGoToTheBoardAndATombstoneForgetsThem() {
        BudgetMessage m = new BudgetMessage(1, BudgetMessage.TYPE, "tag", "batch", BigDecimal.ONE, BigDecimal.TEN,
                "1d", NOW.minusSeconds(60), NOW.plusSeconds(60), true, "fail", "agg", NOW);

        assertThat(reader.handle(record(m.key(), JsonSerde.budget().toBytes(m), BudgetMessage.TYPE))).isTrue();
        assertThat(board.inForce("tag", "batch", NOW)).contains(m);

        assertThat(reader.handle(record(m.key(), null, null))).isTrue();
        assertThat(board.inForce("tag", "batch", NOW)).isEmpty();
    }

    @Test
    void unreadableAndOtherRecordsAreSkipped() {
        byte[] bad = "{\"scope\":\"planet\",\"subject\":\"x\"}".getBytes(StandardCharsets.UTF_8);

        assertThat(reader.handle(record("budget:planet:x", bad, BudgetMessage.TYPE))).isFalse();
        assertThat(reader.handle(record("budget:tag:x", "not json".getBytes(StandardCharsets.UTF_8),
                BudgetMessage.TYPE))).isFalse();
        assertThat(reader.handle(record("deployment-health:a:cooldown", "{}".getBytes(StandardCharsets.UTF_8),
                "deployment_health"))).isFalse();
        assertThat(reader.handle(record("job:1", null, null))).as("a tombstone of another kind").isFalse();
        assertThat(board.size()).isZero();
    }
}

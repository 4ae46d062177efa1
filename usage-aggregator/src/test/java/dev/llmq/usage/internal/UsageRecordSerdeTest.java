package dev.llmq.usage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.schemas.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The aggregator's binary state form keeps every field exactly. */
class UsageRecordSerdeTest {

    private final UsageRecordSerde serde = new UsageRecordSerde();

    @Test
    void aWindowedRecordSurvivesExactly() {
        UsageRecord r = new UsageRecord(1, "1h", "tag", "é-ünïcode tag", Instant.parse("2026-11-30T15:00:00Z"),
                Instant.parse("2026-11-30T16:00:00Z"), 7, 4, 1, 1, 1, Map.of("rate_limited", 1L, "cancelled", 1L,
                "expired", 1L), 12_345_678_901L, 2, 3, 4, 5, 12_345_678_903L,
                new BigDecimal("0.000000000000000123456789012345678901"), 2, 99, Instant.parse(
                "2026-11-30T15:42:10.123456789Z"));

        UsageRecord back = serde.deserialize("t", serde.serialize("t", r));

        assertThat(back).isEqualTo(r);
        assertThat(back.costUsd().toPlainString()).isEqualTo("0.000000000000000123456789012345678901");
    }

    @Test
    void aTotalWithoutWindowOrFailuresSurvives() {
        UsageRecord r = new UsageRecord(1, "total", "model", UsageRecord.NONE, null, null, 1, 1, 0, 0, 0, Map.of(),
                0, 0, 0, 0, 0, 0, new BigDecimal("1234567890123.50"), 0, 0, null);
        assertThat(serde.deserialize("t", serde.serialize("t", r))).isEqualTo(r);
        assertThat(serde.serialize("t", null)).isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }

    @Test
    void aTenantsRecordSurvivesAndTheFormerFormatReadsAsAllTenants() {
        UsageRecord r = new UsageRecord(1, "total", "model", "gpt-4o", "globex:eu", null, null, 1, 1, 0, 0, 0,
                Map.of(), 3, 4, 0, 0, 0, 7, new BigDecimal("0.5"), 0, 0, Instant.parse("2026-11-30T15:42:10Z"));
        assertThat(serde.deserialize("t", serde.serialize("t", r))).isEqualTo(r);

        UsageRecord all = new UsageRecord(1, "total", "model", "gpt-4o", null, null, 1, 1, 0, 0, 0, Map.of(), 3, 4,
                0, 0, 0, 7, new BigDecimal("0.5"), 0, 0, null);
        byte[] now = serde.serialize("t", all);
        // format 1: no tenant flag after the key (version byte, then window, group_by and key as modified UTF-8)
        int flag = 1 + (2 + 5) + (2 + 5) + (2 + 6);
        byte[] former = new byte[now.length - 1];
        System.arraycopy(now, 0, former, 0, flag);
        System.arraycopy(now, flag + 1, former, flag, now.length - flag - 1);
        former[0] = 1;
        assertThat(now[flag]).isZero();
        assertThat(serde.deserialize("t", former)).isEqualTo(all);
    }

    @Test
    void bytesOfAnotherFormatAreRefusedClearly() {
        assertThatThrownBy(() -> serde.deserialize("t", "{\"window\":\"1h\"}".getBytes()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("usage state");
    }
}

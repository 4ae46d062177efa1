package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The held writes are laid over a range in RocksDB's order of keys: their UTF-8 bytes. */
class HeldWritesStoreKeysTest {

    @Test
    void keysCompareAsTheirUtf8Bytes() {
        List<String> keys = new ArrayList<>(List.of("j:job_01a2", "j:job_01a3", "j:job_01a", "", "a", "b", "é",
                "\uFF21", "\uD83D\uDE00", "\uD83D\uDE01", "z\uFF21", "z\uD83D\uDE00", "j:"));
        for (String a : keys) {
            for (String b : keys) {
                int bytes = Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8),
                        b.getBytes(StandardCharsets.UTF_8));
                assertThat(Integer.signum(HeldWritesStore.compareKeys(a, b))).as("%s vs %s", a, b)
                        .isEqualTo(Integer.signum(bytes));
            }
        }
        // where UTF-16 order is not UTF-8's: a character above the surrogates against one beyond the BMP
        assertThat("\uFF21".compareTo("\uD83D\uDE00")).isPositive();
        assertThat(HeldWritesStore.compareKeys("\uFF21", "\uD83D\uDE00")).isNegative();
    }
}

package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class StartsMetadataTest {

    private static NavigableMap<Long, Integer> starts(long... offsetThenCount) {
        NavigableMap<Long, Integer> out = new TreeMap<>();
        for (int i = 0; i < offsetThenCount.length; i += 2) {
            out.put(offsetThenCount[i], (int) offsetThenCount[i + 1]);
        }
        return out;
    }

    @Test
    void encodesRunsRelativeToTheCommittedOffsetAndReadsThemBack() {
        NavigableMap<Long, Integer> s = starts(1000, 2, 1001, 1, 1002, 1, 1003, 1, 1007, 1, 1008, 3);
        StartsMetadata.Encoded encoded = StartsMetadata.encode(1000, s);
        assertThat(encoded.metadata()).isEqualTo("s1;0:2,1-3:1,7:1,8:3");
        assertThat(encoded.leftOut()).isZero();
        assertThat(StartsMetadata.decode(1000, encoded.metadata())).isEqualTo(s);
    }

    @Test
    void leavesOutOffsetsBelowTheCommittedOneAndWritesNothingWhenNoneRun() {
        assertThat(StartsMetadata.encode(5, starts(3, 1, 5, 2)).metadata()).isEqualTo("s1;0:2");
        assertThat(StartsMetadata.encode(5, starts(3, 1)).metadata()).isEmpty();
        assertThat(StartsMetadata.decode(5, "")).isEmpty();
        assertThat(StartsMetadata.decode(5, null)).isEmpty();
        assertThat(StartsMetadata.decode(5, "written by another tool")).isEmpty();
    }

    @Test
    void staysWithinTheBrokersMetadataLimitKeepingTheLowestOffsets() {
        NavigableMap<Long, Integer> s = new TreeMap<>();
        for (long o = 0; o < 20_000; o += 2) { // no two adjacent: one run each
            s.put(o, 1 + (int) (o % 3));
        }
        StartsMetadata.Encoded encoded = StartsMetadata.encode(0, s);
        assertThat(encoded.metadata().length()).isLessThanOrEqualTo(StartsMetadata.MAX_CHARS);
        assertThat(encoded.leftOut()).isPositive();
        NavigableMap<Long, Integer> back = StartsMetadata.decode(0, encoded.metadata());
        assertThat(back.size() + encoded.leftOut()).isEqualTo(s.size());
        assertThat(back.firstKey()).isZero();
        for (Map.Entry<Long, Integer> e : back.entrySet()) {
            assertThat(s.get(e.getKey())).isEqualTo(e.getValue());
        }
        assertThat(s.headMap(back.lastKey(), true)).isEqualTo(back);
    }

    @Test
    void aThousandRunningJobsInOrderFitInAFewCharacters() {
        NavigableMap<Long, Integer> s = new TreeMap<>();
        for (long o = 500; o < 1500; o++) {
            s.put(o, o == 500 ? 2 : 1);
        }
        assertThat(StartsMetadata.encode(500, s).metadata()).isEqualTo("s1;0:2,1-999:1");
    }

    @Test
    void metadataInThisFormatThatDoesNotParseIsRefusedWithAReason() {
        for (String bad : new String[] {"s1;x:1", "s1;0", "s1;3-1:1", "s1;0:0", "s1;0-99999999:1", "s1;-1:2"}) {
            assertThatThrownBy(() -> StartsMetadata.decode(0, bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
    }
}

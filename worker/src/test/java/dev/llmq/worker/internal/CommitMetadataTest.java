package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CommitMetadataTest {

    private static NavigableMap<Long, Integer> open(long... offsetThenCount) {
        NavigableMap<Long, Integer> out = new TreeMap<>();
        for (int i = 0; i < offsetThenCount.length; i += 2) {
            out.put(offsetThenCount[i], (int) offsetThenCount[i + 1]);
        }
        return out;
    }

    @Test
    void encodesTheEndAndTheOpenRunsRelativeToTheCommittedOffsetAndReadsThemBack() {
        NavigableMap<Long, Integer> open = open(1000, 2, 1001, 1, 1002, 1, 1003, 1, 1007, 0, 1008, 3);
        CommitMetadata.Encoded encoded = CommitMetadata.encode(1000, 1012, open);
        assertThat(encoded.metadata()).isEqualTo("s2;12;0:2,1-3:1,7:0,8:3");
        assertThat(encoded.end()).isEqualTo(1012);
        assertThat(encoded.leftOut()).isZero();

        CommitMetadata.Decoded back = CommitMetadata.decode(1000, encoded.metadata());
        assertThat(back.open()).isEqualTo(open);
        assertThat(back.starts()).as("0: open, starts not counted").doesNotContainKey(1007L).containsEntry(1008L, 3);
        assertThat(back.done(1000)).isFalse();
        assertThat(back.done(1004)).as("between open records: done").isTrue();
        assertThat(back.done(1011)).isTrue();
        assertThat(back.done(1012)).as("from the end on: unknown, runs").isFalse();
        assertThat(back.done(999)).isFalse();
    }

    @Test
    void nothingOpenAndNothingDoneAboveTheOffsetIsTheEmptyString() {
        assertThat(CommitMetadata.encode(5, 5, open()).metadata()).isEmpty();
        assertThat(CommitMetadata.encode(5, 3, open()).metadata()).isEmpty();
        for (String nothing : new String[] {"", null, "written by another tool"}) {
            CommitMetadata.Decoded decoded = CommitMetadata.decode(5, nothing);
            assertThat(decoded.open()).isEmpty();
            assertThat(decoded.done(5)).isFalse();
            assertThat(decoded.done(6)).isFalse();
        }
    }

    @Test
    void theEarlierStartsOnlyFormatReadsAsOpenRecordsAndNoneDone() {
        CommitMetadata.Decoded decoded = CommitMetadata.decode(10, "s1;0:2,1-3:1");
        assertThat(decoded.starts()).isEqualTo(open(10, 2, 11, 1, 12, 1, 13, 1));
        assertThat(decoded.done(14)).isFalse();
        assertThat(decoded.done(11)).isFalse();
    }

    @Test
    void whenTheRunsDoNotFitTheEndMovesDownSoNothingIsSaidDoneThatIsNot() {
        NavigableMap<Long, Integer> open = new TreeMap<>();
        for (long o = 0; o < 20_000; o += 2) { // no two adjacent: one run each
            open.put(o, 1 + (int) (o % 3));
        }
        CommitMetadata.Encoded encoded = CommitMetadata.encode(0, 20_001, open);
        assertThat(encoded.metadata().length()).isLessThanOrEqualTo(CommitMetadata.MAX_CHARS);
        assertThat(encoded.end()).isLessThan(20_001).isPositive();
        assertThat(encoded.leftOut()).isEqualTo(open.tailMap(encoded.end(), true).size());
        String firstLeftOut = "," + encoded.end() + ":" + open.get(encoded.end());
        assertThat(encoded.metadata().length() + firstLeftOut.length()).as("as many runs as fit")
                .isGreaterThan(CommitMetadata.MAX_CHARS);
        CommitMetadata.Decoded back = CommitMetadata.decode(0, encoded.metadata());
        assertThat(back.end()).isEqualTo(encoded.end());
        assertThat(back.open()).isEqualTo(open.headMap(encoded.end(), false));
        for (long o = 0; o < 20_001; o++) {
            if (back.done(o)) {
                assertThat(open).as("offset %d said done", o).doesNotContainKey(o);
                assertThat(o).isLessThan(encoded.end());
            }
        }
    }

    @Test
    void aThousandRunningJobsInOrderFitInAFewCharacters() {
        NavigableMap<Long, Integer> open = new TreeMap<>();
        for (long o = 500; o < 1500; o++) {
            open.put(o, o == 500 ? 2 : 1);
        }
        assertThat(CommitMetadata.encode(500, 1500, open).metadata()).isEqualTo("s2;1000;0:2,1-999:1");
    }

    @Test
    void metadataInTheseFormatsThatDoesNotParseIsRefusedWithAReason() {
        for (String bad : new String[] {"s1;x:1", "s1;0", "s1;3-1:1", "s1;0:0", "s1;0-99999999:1", "s1;-1:2",
                "s2;", "s2;x;0:1", "s2;-3;", "s2;2;2:1", "s2;5;0:-1", "s2;5;0-7:1"}) {
            assertThatThrownBy(() -> CommitMetadata.decode(0, bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
    }
}

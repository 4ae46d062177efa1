package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

class PartitionTrackerTest {

    private static ConsumerRecord<byte[], byte[]> record(long offset) {
        return new ConsumerRecord<>("jobs", 0, offset, new byte[0], new byte[0]);
    }

    private static Finish finish() {
        return new Finish(List.of(), new CompletableFuture<>());
    }

    private static PartitionTracker running(long from, long to) {
        PartitionTracker tracker = new PartitionTracker();
        for (long offset = from; offset < to; offset++) {
            tracker.seen(record(offset));
            tracker.takeBacklog();
        }
        return tracker;
    }

    @Test
    void nothingSeenCommitsNothing() {
        assertThat(new PartitionTracker().prepare(-1, false)).isNull();
        assertThat(new PartitionTracker().prepare(-1, true)).isNull();
    }

    @Test
    void aCommitStopsAtTheLowestOpenRecordAndSaysWhichAboveItAreDone() {
        PartitionTracker tracker = running(10, 15);
        tracker.finished(10, finish());
        tracker.finished(12, finish());
        tracker.finished(13, finish());

        PartitionTracker.Prepared first = tracker.prepare(-1, false);
        assertThat(first.offset()).isEqualTo(11);
        assertThat(first.metadata()).isEqualTo("s2;4;0:0,3:0");
        assertThat(first.included()).containsOnlyKeys(10L, 12L, 13L);
        tracker.requested(first);
        tracker.committed(first);
        assertThat(tracker.pending()).isEqualTo(2);
        assertThat(tracker.prepare(-1, false)).as("nothing new").isNull();

        tracker.finished(11, finish());
        PartitionTracker.Prepared second = tracker.prepare(-1, false);
        assertThat(second.offset()).isEqualTo(14);
        assertThat(second.metadata()).isEqualTo("s2;1;0:0");
        tracker.committed(second);

        tracker.finished(14, finish());
        assertThat(tracker.prepare(-1, false).offset()).isEqualTo(15);
        assertThat(tracker.prepare(17, false).offset()).as("position past a transaction marker").isEqualTo(17);
        assertThat(tracker.prepare(17, false).metadata()).isEmpty();
    }

    @Test
    void undispatchedRecordsHoldTheCommitAndCountApart() {
        PartitionTracker tracker = new PartitionTracker();
        tracker.seen(record(0));
        tracker.seen(record(1));
        tracker.seen(record(2));
        assertThat(tracker.takeBacklog().offset()).isZero();
        tracker.finished(0, finish());
        assertThat(tracker.backlog()).isEqualTo(2);
        assertThat(tracker.dispatched()).isZero();
        PartitionTracker.Prepared prepared = tracker.prepare(3, false);
        assertThat(prepared.offset()).isEqualTo(1);
        assertThat(prepared.metadata()).isEmpty();
        assertThat(prepared.included()).containsOnlyKeys(0L);
        assertThat(tracker.peekBacklog().offset()).isEqualTo(1);
    }

    @Test
    void aFailedCommitLeavesItsRecordsFinishedForTheNextAndARefusedOneIsOpenAgain() {
        PartitionTracker tracker = running(0, 3);
        Finish one = finish();
        tracker.finished(1, one);
        tracker.finished(2, finish());
        PartitionTracker.Prepared failed = tracker.prepare(-1, false);
        tracker.requested(failed);
        tracker.commitFailed();

        assertThat(tracker.prepare(-1, false).included()).containsOnlyKeys(1L, 2L);
        tracker.refused(1);
        PartitionTracker.Prepared again = tracker.prepare(-1, false);
        assertThat(again.included()).containsOnlyKeys(2L);
        assertThat(again.metadata()).isEqualTo("s2;3;0-1:0");
        assertThat(tracker.finished(1, one)).as("finished anew").isTrue();
        assertThat(tracker.finished(1, finish())).as("not twice").isFalse();
    }

    @Test
    void theStartCountsOfTheRecordsNotDoneGoToTheStartsLogOnlyWhenTheyChanged() {
        PartitionTracker tracker = running(10, 14);
        assertThat(tracker.startsRecord()).as("nothing started").isNull();
        tracker.started(11, new CompletableFuture<>());
        tracker.started(13, new CompletableFuture<>());
        tracker.finished(13, finish());
        OffsetAndMetadata record = tracker.startsRecord();
        assertThat(record.offset()).isEqualTo(11);
        assertThat(CommitMetadata.decode(record.offset(), record.metadata()).starts())
                .as("the finished one's count is not needed any more").containsExactly(Map.entry(11L, 1));
        assertThat(tracker.sending()).hasSize(2);
        assertThat(tracker.startsRecord()).as("sent, unchanged since").isNull();
    }

    @Test
    void aNextOwnerTakesTheHigherStartCountOfTheCommitAndTheStartsLogForOpenRecordsOnly() {
        NavigableMap<Long, Integer> logged = new TreeMap<>(Map.of(100L, 3, 102L, 2,
                105L, 1));
        PartitionTracker tracker = new PartitionTracker(Lane.BATCH, CommitMetadata.decode(100, "s2;10;0:1,5:2"),
                logged);
        assertThat(tracker.startsOf(100)).isEqualTo(3);
        assertThat(tracker.startsOf(105)).isEqualTo(2);
        assertThat(tracker.startsOf(102)).as("done: its count is stale").isZero();
    }

    @Test
    void aStartGivenBackTakesOnlyThisOwnersRunOffTheCountOnceAndNotOfAFinishedRecord() {
        PartitionTracker tracker = new PartitionTracker(Lane.BATCH, CommitMetadata.decode(10, "s2;3;0:2,1:0,2:0"));
        for (long offset = 10; offset < 13; offset++) {
            tracker.seen(record(offset));
            tracker.takeBacklog();
        }
        tracker.started(10, new CompletableFuture<>()); // its third start, two by earlier owners
        tracker.started(11, new CompletableFuture<>());
        tracker.started(12, new CompletableFuture<>());
        tracker.finished(12, finish());
        tracker.sending();

        assertThat(tracker.giveBack(10)).isTrue();
        assertThat(tracker.giveBack(10)).as("once").isFalse();
        assertThat(tracker.giveBack(12)).as("finished: its run was not cut short").isFalse();
        assertThat(tracker.startsOf(10)).isEqualTo(2);
        assertThat(tracker.giveBackRunning()).as("11 only").isEqualTo(1);
        assertThat(tracker.startsOf(11)).isZero();

        OffsetAndMetadata record = tracker.startsRecord();
        assertThat(CommitMetadata.decode(record.offset(), record.metadata()).starts())
                .containsExactly(Map.entry(10L, 2));
        assertThat(tracker.prepare(-1, true).metadata()).isEqualTo("s2;3;0:2,1:0"); // 12 done
    }

    @Test
    void startCountsOfOpenRecordsGoInTheMetadata() {
        PartitionTracker tracker = running(0, 3);
        tracker.started(0, new CompletableFuture<>());
        tracker.started(2, new CompletableFuture<>());
        tracker.finished(1, finish());
        assertThat(tracker.prepare(-1, false).metadata()).isEqualTo("s2;3;0:1,2:1");
    }

    @Test
    void aNextOwnerPassesOverTheRecordsCommittedDoneAndKeepsTheOpenOnesStartCounts() {
        PartitionTracker tracker = new PartitionTracker(Lane.BATCH, CommitMetadata.decode(10, "s2;4;0:0,1:2"));
        assertThat(tracker.seen(record(10))).isTrue();
        assertThat(tracker.seen(record(11))).isTrue();
        assertThat(tracker.seen(record(12))).isFalse();
        assertThat(tracker.seen(record(13))).isFalse();
        assertThat(tracker.seen(record(14))).isTrue();
        assertThat(tracker.skipped()).isEqualTo(2);
        assertThat(tracker.startsOf(11)).isEqualTo(2);
        assertThat(tracker.backlog()).isEqualTo(3);
    }

    @Test
    void whatThePreviousOwnersCommittedAboutRecordsNotFetchedYetIsCarriedOver() {
        // 100 and 105 open (100 started once), 101-104 and 106-109 done
        CommitMetadata.Decoded prior = CommitMetadata.decode(100, "s2;10;0:1,5:0");
        PartitionTracker fresh = new PartitionTracker(Lane.BATCH, prior);
        assertThat(fresh.prepare(100, true).metadata()).as("nothing fetched yet").isEqualTo("s2;10;0:1,5:0");
        assertThat(fresh.prepare(100, true).offset()).isEqualTo(100);

        PartitionTracker tracker = new PartitionTracker(Lane.BATCH, prior);
        for (long offset = 100; offset < 103; offset++) {
            tracker.seen(record(offset)); // 101 and 102 are passed over
        }
        tracker.takeBacklog();
        tracker.started(100, new CompletableFuture<>());
        PartitionTracker.Prepared prepared = tracker.prepare(-1, false);
        assertThat(prepared.offset()).isEqualTo(100);
        assertThat(prepared.metadata()).as("103-104 and 106-109 still done, 105 still open")
                .isEqualTo("s2;10;0:2,5:0");

        tracker.finished(100, finish());
        PartitionTracker.Prepared after = tracker.prepare(-1, false);
        assertThat(after.offset()).as("the lowest open one, not fetched yet").isEqualTo(105);
        assertThat(after.metadata()).isEqualTo("s2;5;0:0");
    }

    @Test
    void whenEveryRecordOfThePreviousOwnersRangeIsDoneTheOffsetPassesIt() {
        PartitionTracker tracker = new PartitionTracker(Lane.BATCH, CommitMetadata.decode(100, "s2;10;0:0"));
        tracker.seen(record(100));
        tracker.takeBacklog();
        tracker.finished(100, finish());
        PartitionTracker.Prepared prepared = tracker.prepare(-1, false);
        assertThat(prepared.offset()).isEqualTo(110);
        assertThat(prepared.metadata()).isEmpty();
        assertThat(prepared.included()).containsOnlyKeys(100L);
    }

    @Test
    void whateverTheOrderJobsFinishInACommitSaysDoneExactlyTheRecordsWhoseResultsItOrAnEarlierOneWrote() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            PartitionTracker tracker = new PartitionTracker();
            int count = 1 + random.nextInt(60);
            List<Long> offsets = new ArrayList<>();
            for (long i = 0; i < count; i++) {
                tracker.seen(record(i * 2)); // gaps, as transaction markers leave them
                tracker.takeBacklog();
                offsets.add(i * 2);
            }
            Collections.shuffle(offsets, random);
            Set<Long> written = new HashSet<>();
            for (long offset : offsets) {
                tracker.finished(offset, finish());
                if (random.nextInt(3) == 0) {
                    continue; // finished, not committed yet
                }
                PartitionTracker.Prepared prepared = tracker.prepare(-1, false);
                boolean commits = random.nextInt(4) != 0;
                tracker.requested(prepared);
                if (commits) {
                    tracker.committed(prepared);
                    written.addAll(prepared.included().keySet());
                } else {
                    tracker.commitFailed();
                    continue;
                }
                CommitMetadata.Decoded said = CommitMetadata.decode(prepared.offset(), prepared.metadata());
                for (long seen = 0; seen < count * 2L; seen += 2) {
                    boolean done = seen < prepared.offset() || said.done(seen);
                    assertThat(done).as("round %d, offset %d", round, seen).isEqualTo(written.contains(seen));
                }
            }
        }
    }

    @Test
    void handedFromOwnerToOwnerWithPartialFetchesEveryRecordGetsExactlyOneResult() {
        Random random = new Random(7);
        for (int round = 0; round < 300; round++) {
            List<Long> log = new ArrayList<>();
            for (long offset = 0; log.size() < 40 + random.nextInt(40); offset += 1 + (random.nextInt(5) == 0 ? 1 : 0)) {
                log.add(offset); // gaps, as transaction markers leave them
            }
            long logEnd = log.getLast() + 1;
            Map<Long, Integer> writes = new HashMap<>();
            long committedOffset = -1;
            String committedMetadata = null;
            for (int owner = 0; owner < 200 && writes.size() < log.size(); owner++) {
                PartitionTracker tracker = new PartitionTracker(Lane.BATCH, committedOffset < 0
                        ? CommitMetadata.Decoded.NONE : CommitMetadata.decode(committedOffset, committedMetadata));
                long position = Math.max(0, committedOffset);
                List<Long> running = new ArrayList<>();
                int steps = 1 + random.nextInt(30);
                for (int step = 0; step < steps; step++) {
                    switch (random.nextInt(4)) {
                        case 0 -> { // a fetch of a few records
                            for (int k = random.nextInt(6); k > 0 && position < logEnd; k--) {
                                long from = position;
                                long offset = log.stream().filter(o -> o >= from).findFirst().orElse(logEnd);
                                if (offset < logEnd) {
                                    tracker.seen(record(offset));
                                }
                                position = offset + 1;
                            }
                        }
                        case 1 -> { // dispatch
                            if (tracker.backlog() > 0) {
                                running.add(tracker.takeBacklog().offset());
                            }
                        }
                        case 2 -> { // a job finishes
                            if (!running.isEmpty()) {
                                tracker.finished(running.remove(random.nextInt(running.size())), finish());
                            }
                        }
                        default -> { // a commit, which may fail
                            PartitionTracker.Prepared prepared = tracker.prepare(
                                    tracker.pending() == 0 ? position : -1, false);
                            if (prepared != null) {
                                tracker.requested(prepared);
                                if (random.nextInt(5) == 0) {
                                    tracker.commitFailed();
                                } else {
                                    tracker.committed(prepared);
                                    prepared.included().keySet().forEach(o -> writes.merge(o, 1, Integer::sum));
                                    committedOffset = prepared.offset();
                                    committedMetadata = prepared.metadata();
                                }
                            }
                        }
                    }
                }
                if (random.nextBoolean()) { // a revocation commits what finished; a kill does not
                    PartitionTracker.Prepared last = tracker.prepare(tracker.pending() == 0 ? position : -1, true);
                    if (last != null) {
                        tracker.committed(last);
                        last.included().keySet().forEach(o -> writes.merge(o, 1, Integer::sum));
                        committedOffset = last.offset();
                        committedMetadata = last.metadata();
                    }
                }
                CommitMetadata.Decoded said = committedOffset < 0 ? CommitMetadata.Decoded.NONE
                        : CommitMetadata.decode(committedOffset, committedMetadata);
                for (long offset : log) {
                    boolean done = offset < said.base() || said.done(offset);
                    assertThat(done).as("round %d, owner %d, offset %d said done", round, owner, offset)
                            .isEqualTo(writes.containsKey(offset));
                }
            }
            assertThat(writes).as("round %d", round).allSatisfy((offset, n) -> assertThat(n).as("offset %d", offset)
                    .isEqualTo(1));
        }
    }

    /**
     * The tracker keeps its open records as they change; this model finds them the way it did before, by walking
     * every pending record, and every commit and starts record must come out the same, for random histories that
     * begin from a random previous owner's commit (records done and open above it, some not fetched yet).
     */
    @Test
    void theOpenRecordsKeptAsTheyChangeGiveTheCommitsThatWalkingEveryPendingRecordGave() {
        Random random = new Random(11);
        for (int round = 0; round < 400; round++) {
            CommitMetadata.Decoded prior = CommitMetadata.Decoded.NONE;
            NavigableMap<Long, Integer> logged = new TreeMap<>();
            long from = 0;
            if (random.nextBoolean()) {
                from = random.nextInt(20);
                NavigableMap<Long, Integer> open = new TreeMap<>();
                long end = from + random.nextInt(30);
                for (long offset = from; offset < end; offset++) {
                    if (random.nextInt(3) == 0) {
                        open.put(offset, random.nextInt(3));
                    }
                    if (random.nextInt(5) == 0) {
                        logged.put(offset, 1 + random.nextInt(3));
                    }
                }
                CommitMetadata.Encoded encoded = CommitMetadata.encode(from, end, open);
                prior = CommitMetadata.decode(from, encoded.metadata());
            }
            PartitionTracker tracker = new PartitionTracker(Lane.BATCH, prior, new TreeMap<>(logged));
            WalkingModel model = new WalkingModel(prior, logged);
            long position = from;
            List<Long> running = new ArrayList<>();
            for (int step = 0; step < 150; step++) {
                String at = "round " + round + ", step " + step;
                switch (random.nextInt(9)) {
                    case 0, 1 -> { // a fetch of a few records, with gaps as transaction markers leave them
                        for (int k = random.nextInt(5); k > 0; k--) {
                            position += random.nextInt(4) == 0 ? 2 : 1;
                            model.seen(position - 1, tracker.seen(record(position - 1)));
                        }
                    }
                    case 2, 3 -> { // dispatch, counting the start or not
                        if (tracker.backlog() > 0) {
                            long offset = tracker.takeBacklog().offset();
                            model.backlog.removeFirst();
                            running.add(offset);
                            if (random.nextInt(4) != 0) {
                                tracker.started(offset, new CompletableFuture<>());
                                model.started(offset);
                            }
                        }
                    }
                    case 4, 5 -> { // a job finishes
                        if (!running.isEmpty()) {
                            long offset = running.remove(random.nextInt(running.size()));
                            Finish finish = finish();
                            assertThat(tracker.finished(offset, finish)).as(at).isTrue();
                            model.finished.put(offset, finish);
                        }
                    }
                    case 6 -> { // Kafka refuses a finished record's result: it runs again
                        if (!model.finished.isEmpty()) {
                            long offset = new ArrayList<>(model.finished.keySet())
                                    .get(random.nextInt(model.finished.size()));
                            tracker.refused(offset);
                            model.finished.remove(offset);
                            running.add(offset);
                        }
                    }
                    case 7 -> { // the starts record
                        OffsetAndMetadata sent = tracker.startsRecord();
                        OffsetAndMetadata expected = model.startsRecord();
                        assertThat(sent).as(at).isEqualTo(expected);
                        if (sent != null) {
                            List<CompletableFuture<Void>> starts = tracker.sending();
                            model.startsChanged = false;
                            if (random.nextInt(4) == 0) {
                                tracker.sendFailed(starts);
                                model.startsChanged = true;
                            }
                        }
                    }
                    default -> { // a commit, which may fail
                        long at0 = tracker.pending() == 0 ? position : -1;
                        boolean force = random.nextInt(5) == 0;
                        PartitionTracker.Prepared prepared = tracker.prepare(at0, force);
                        PartitionTracker.Prepared expected = model.prepare(at0, force);
                        assertThat(prepared).as(at).isEqualTo(expected);
                        if (prepared != null) {
                            tracker.requested(prepared);
                            model.requested = Math.max(model.requested, prepared.offset());
                            if (random.nextInt(4) == 0) {
                                tracker.commitFailed();
                                model.requested = model.committed;
                            } else {
                                tracker.committed(prepared);
                                model.committed(prepared);
                            }
                        }
                    }
                }
            }
            List<Finish> dropped = tracker.dropFinished();
            assertThat(dropped).containsExactlyElementsOf(model.finished.values());
            model.finished.clear();
            assertThat(tracker.prepare(-1, true)).as("round %d, after the finished were dropped", round)
                    .isEqualTo(model.prepare(-1, true));
        }
    }

    /** The tracker's commits as they were computed before it kept its open records: by walking every pending one. */
    private static final class WalkingModel {

        final CommitMetadata.Decoded prior;
        final NavigableMap<Long, Integer> starts;
        final TreeSet<Long> pending = new TreeSet<>();
        final TreeMap<Long, Finish> finished = new TreeMap<>();
        final ArrayDeque<Long> backlog = new ArrayDeque<>();
        boolean startsChanged;
        long next = -1;
        long committed = -1;
        long requested = -1;

        WalkingModel(CommitMetadata.Decoded prior, NavigableMap<Long, Integer> logged) {
            this.prior = prior;
            this.starts = prior.starts();
            logged.forEach((offset, count) -> {
                if (offset >= prior.base() && !prior.done(offset)) {
                    starts.merge(offset, count, Math::max);
                }
            });
        }

        void seen(long offset, boolean notDone) {
            next = Math.max(next, offset + 1);
            if (!notDone) {
                assertThat(prior.done(offset)).as("offset %d passed over", offset).isTrue();
                return;
            }
            pending.add(offset);
            backlog.addLast(offset);
        }

        void started(long offset) {
            starts.merge(offset, 1, Integer::sum);
            startsChanged = true;
        }

        OffsetAndMetadata startsRecord() {
            if (!startsChanged) {
                return null;
            }
            NavigableMap<Long, Integer> open = new TreeMap<>();
            for (long offset : pending) {
                if (starts.containsKey(offset) && !finished.containsKey(offset)) {
                    open.put(offset, starts.get(offset));
                }
            }
            long base = open.isEmpty() ? Math.max(0, next) : open.firstKey();
            long end = open.isEmpty() ? base : open.lastKey() + 1;
            return new OffsetAndMetadata(base,
                    CommitMetadata.encode(base, end, open).metadata());
        }

        PartitionTracker.Prepared prepare(long position, boolean force) {
            long end = Math.max(backlog.isEmpty() ? next : backlog.peekFirst(), prior.end());
            NavigableMap<Long, Integer> open = new TreeMap<>();
            for (long offset : pending.headSet(end, false)) {
                if (!finished.containsKey(offset)) {
                    open.put(offset, starts.getOrDefault(offset, 0));
                }
            }
            long unseen = Math.max(next, prior.base());
            if (unseen < prior.end()) {
                open.putAll(prior.open().subMap(unseen, true, prior.end(), false));
            }
            long base;
            if (!open.isEmpty()) {
                base = open.firstKey();
            } else if (!backlog.isEmpty()) {
                base = backlog.peekFirst();
            } else {
                base = Math.max(Math.max(next, position), prior.end());
                if (base < 0) {
                    return null;
                }
            }
            CommitMetadata.Encoded encoded = CommitMetadata.encode(base, Math.max(base, end), open);
            var included = new TreeMap<>(finished.headMap(Math.max(base, encoded.end()), false));
            if (!force && included.isEmpty() && base <= Math.max(committed, requested)) {
                return null;
            }
            return new PartitionTracker.Prepared(base, encoded.metadata(), included, encoded.leftOut());
        }

        void committed(PartitionTracker.Prepared prepared) {
            prepared.included().forEach((offset, finish) -> {
                if (finished.remove(offset, finish)) {
                    pending.remove(offset);
                    starts.remove(offset);
                }
            });
            committed = Math.max(committed, prepared.offset());
        }
    }
}

package dev.llmq.usage.internal;

import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.UsageRecord;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;

/**
 * Each counted result → one delta per group it counts under ({@link UsageMath#groupKeys}), summed per group and
 * minute of completion until the task commits, then passed on as one record per group and minute: a group updated by
 * a hundred results between two commits goes to the repartition topic and into the usage stores once, not a hundred
 * times.
 *
 * <p>The sums wait in {@link PendingSums}. Kafka Streams asks that store to write itself out at the start of every
 * commit of the task, before the commit's records are flushed and its input offsets sent, as it asks its own caching
 * stores; the store then hands every waiting sum here and they are passed on, oldest minute first, in that commit's
 * transaction. Kafka Streams' caching stores forward what they write out the same way (their flush listeners set
 * the node forwarding, as {@link #passOn} does). So no sum waits across a commit: nothing is written to the store's
 * changelog, a crash loses only uncommitted sums together with the uncommitted offsets of their results (which are
 * read again), and nothing needs a punctuator, so an idle task does not commit. The changelog is kept for sums
 * written by earlier versions, which wrote the waiting sums at each commit: restored, they are passed on at the
 * task's first commit, which a one-off punctuation brings about when no result comes.
 *
 * <p>A passed-on sum is timestamped with the latest completion time in it ({@link UsageRecord#lastCompletedAt}, the
 * record timestamp {@link FirstResultPerJob} gives each result), so it lies in the same minute, hour and
 * day windows as each result in it. A result is late for a window (counted in the total only) when stream time had
 * passed the window's end plus the grace before the commit interval its result arrived in: its minute's sum is
 * passed on before any later minute's, so no result of the same interval closes the window on it.
 */
public final class GroupDeltas implements Processor<String, JobResult, String, UsageRecord> {

    private static final long MINUTE_MS = Duration.ofMinutes(1).toMillis();
    /** A waiting sum's key: the minute's start as 16 hex digits (so keys sort by time), a bar, the group key. */
    private static final int PREFIX = 17;

    private final String storeName;
    private InternalProcessorContext<String, UsageRecord> context;
    /** This processor's node in the task, made current while passing on at a commit. */
    private ProcessorNode<?, ?, ?, ?> node;
    private PendingSums waiting;

    public GroupDeltas(String storeName) {
        this.storeName = Objects.requireNonNull(storeName, "storeName");
    }

    @Override
    public void init(ProcessorContext<String, UsageRecord> context) {
        this.context = (InternalProcessorContext<String, UsageRecord>) context;
        this.node = this.context.currentNode();
        this.waiting = context.getStateStore(storeName);
        waiting.onCommit(this::passOn);
        if (!waiting.isEmpty()) {
            // sums restored from an earlier version's changelog: a punctuation makes the task commit, which passes
            // them on even if no result comes
            Cancellable[] once = new Cancellable[1];
            once[0] = context.schedule(Duration.ofMillis(commitIntervalMs(context.appConfigs())),
                    PunctuationType.WALL_CLOCK_TIME, now -> once[0].cancel());
        }
    }

    /** The application's {@code commit.interval.ms} (Kafka Streams' default for its guarantee when not set). */
    static long commitIntervalMs(Map<String, Object> appConfigs) {
        Object v = appConfigs.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
        long ms = v == null ? 100 : Long.parseLong(String.valueOf(v).trim());
        return Math.max(1, ms);
    }

    @Override
    public void process(Record<String, JobResult> record) {
        JobResult r = record.value();
        String minute = minuteKey(record.timestamp());
        for (String group : UsageMath.groupKeys(r)) {
            waiting.add(minute + group, UsageMath.delta(group, r));
        }
    }

    /**
     * Passes the waiting sums on, keyed by group, oldest minute first; called by {@link PendingSums} at the start of a
     * commit, outside any record's processing, so this node is made current for the forwards (and the record context
     * is a punctuation's: no input record).
     */
    private void passOn(SortedMap<String, UsageRecord> sums) {
        ProcessorNode<?, ?, ?, ?> previousNode = context.currentNode();
        ProcessorRecordContext previousRecord = context.recordContext();
        context.setCurrentNode(node);
        try {
            sums.forEach((key, sum) -> {
                long at = sum.lastCompletedAt().toEpochMilli();
                context.setRecordContext(new ProcessorRecordContext(at, -1L, -1, null, new RecordHeaders()));
                context.forward(new Record<>(key.substring(PREFIX), sum, at));
            });
        } finally {
            context.setRecordContext(previousRecord);
            context.setCurrentNode(previousNode);
        }
    }

    /** The waiting sums' key prefix of a completion time's minute. */
    public static String minuteKey(long epochMs) {
        String hex = Long.toHexString(Math.floorDiv(epochMs, MINUTE_MS) * MINUTE_MS);
        return "0".repeat(16 - hex.length()) + hex + "|";
    }
}

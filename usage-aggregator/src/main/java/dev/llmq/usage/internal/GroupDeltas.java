package dev.llmq.usage.internal;

import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.UsageRecord;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Each counted result → one delta per group it counts under ({@link UsageMath#groupKeys}), summed per group and
 * minute of completion in a store for one commit interval, then passed on as one record per group and minute: a
 * group updated by a hundred results in that interval goes to the repartition topic and into the usage stores once,
 * not a hundred times.
 *
 * <p>The sums wait in {@link PendingSums}, a store that writes them to its changelog when the task commits, so they
 * are exactly-once with the rest of the task: a commit takes the input offsets, the sums still waiting and the sums
 * passed on in one transaction, and after a crash the store comes back as that commit left it. Every
 * {@code commit.interval.ms} (wall clock) the waiting sums are passed on, oldest minute first, and deleted.
 *
 * <p>A passed-on sum is timestamped with the latest completion time in it ({@link UsageRecord#lastCompletedAt}, the
 * record timestamp {@link FirstResultPerJob} gives each result), so it lies in the same minute, hour and
 * day windows as each result in it. A result is late for a window (counted in the total only) when stream time had
 * passed the window's end plus the grace before the interval its result arrived in: its minute's sum is passed on
 * before any later minute's, so no result of the same interval closes the window on it.
 */
public final class GroupDeltas implements Processor<String, JobResult, String, UsageRecord> {

    private static final long MINUTE_MS = Duration.ofMinutes(1).toMillis();
    /** A waiting sum's key: the minute's start as 16 hex digits (so keys sort by time), a bar, the group key. */
    private static final int PREFIX = 17;

    private final String storeName;
    private ProcessorContext<String, UsageRecord> context;
    private PendingSums waiting;

    public GroupDeltas(String storeName) {
        this.storeName = Objects.requireNonNull(storeName, "storeName");
    }

    @Override
    public void init(ProcessorContext<String, UsageRecord> context) {
        this.context = context;
        this.waiting = context.getStateStore(storeName);
        context.schedule(Duration.ofMillis(commitIntervalMs(context.appConfigs())), PunctuationType.WALL_CLOCK_TIME,
                now -> passOn());
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

    /** Passes every waiting sum on (keyed by its group, oldest minute first) and deletes it. */
    private void passOn() {
        waiting.drain((key, sum) -> context.forward(new Record<>(key.substring(PREFIX), sum,
                sum.lastCompletedAt().toEpochMilli())));
    }

    /** The waiting sums' key prefix of a completion time's minute. */
    static String minuteKey(long epochMs) {
        String hex = Long.toHexString(Math.floorDiv(epochMs, MINUTE_MS) * MINUTE_MS);
        return "0".repeat(16 - hex.length()) + hex + "|";
    }
}

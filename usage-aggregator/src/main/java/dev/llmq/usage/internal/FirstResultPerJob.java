package dev.llmq.usage.internal;

import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.usage.ResultOutcome;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses each result record once and passes on the first result per job id, timestamped with its completion time
 * (the windows are by completion time). A record that is not a {@link JobResult}, or whose key is not its job id, is
 * skipped and counted, never a crash; a job id seen within the retention of an earlier result's completion time
 * (either side) is a duplicate, skipped and counted. The window store keeps job ids for the retention, dropped with
 * their segments.
 *
 * <p>A result completed more than {@link #MAX_AHEAD} after this instance's clock is skipped and counted as invalid
 * too: it would move stream time ahead and close every window early (all later results would be "late"), and the
 * broker refuses records timestamped that far ahead ({@code message.timestamp.after.max.ms}, one hour by default),
 * which would stop the stream on its repartition topic.
 */
public final class FirstResultPerJob implements Processor<String, byte[], String, JobResult> {

    /** How far ahead of the wall clock a completion time may be. */
    public static final Duration MAX_AHEAD = Duration.ofHours(1);

    private static final Logger LOG = LoggerFactory.getLogger(FirstResultPerJob.class);
    private static final JsonSerde<JobResult> RESULTS = JsonSerde.jobResult();

    private final String storeName;
    private final long retentionMs;
    private final Consumer<ResultOutcome> outcomes;
    private ProcessorContext<String, JobResult> context;
    private WindowStore<String, Long> seen;

    public FirstResultPerJob(String storeName, long retentionMs, Consumer<ResultOutcome> outcomes) {
        this.storeName = Objects.requireNonNull(storeName, "storeName");
        this.retentionMs = retentionMs;
        this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
    }

    @Override
    public void init(ProcessorContext<String, JobResult> context) {
        this.context = context;
        this.seen = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        JobResult result;
        try {
            result = record.value() == null ? null : RESULTS.fromBytes(record.value());
        } catch (RuntimeException e) {
            skipInvalid("not a job result: " + e.getMessage());
            return;
        }
        if (result == null || !result.jobId().equals(record.key())) {
            skipInvalid(result == null ? "no value" : "the key is not the result's job id");
            return;
        }
        long at = result.completedAt().toEpochMilli();
        if (at > context.currentSystemTimeMs() + MAX_AHEAD.toMillis()) {
            skipInvalid("completed_at " + result.completedAt() + " is more than " + MAX_AHEAD + " ahead of the clock");
            return;
        }
        long from = at > retentionMs ? at - retentionMs : 0;
        long to = at > Long.MAX_VALUE - retentionMs ? Long.MAX_VALUE : at + retentionMs;
        try (WindowStoreIterator<Long> earlier = seen.fetch(result.jobId(), from, to)) {
            if (earlier.hasNext()) {
                LOG.debug("job {}: a second result is not counted again", result.jobId());
                outcomes.accept(ResultOutcome.DUPLICATE);
                return;
            }
        }
        seen.put(result.jobId(), at, at);
        outcomes.accept(ResultOutcome.COUNTED);
        // the result's own headers (its CloudEvent) do not describe the usage records made from it
        context.forward(new Record<>(result.jobId(), result, at, new RecordHeaders()));
    }

    private void skipInvalid(String why) {
        LOG.warn("usage aggregator skips a results record ({}): {}", why,
                context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse(""));
        outcomes.accept(ResultOutcome.INVALID);
    }
}

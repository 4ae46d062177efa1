package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmq.provider.Abort;
import dev.llmq.provider.ErrorKind;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CancellationsTest {

    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");

    private static JobRequest job(String id, String batch) {
        return new JobRequest(1, id, batch, null, null, "g", JsonNodeFactory.instance.objectNode(), false, 0, null,
                null, null, T0, null);
    }

    @Test
    void aJobCancelledBeforeItRunsIsAbortedWhenTracked() {
        Cancellations c = new Cancellations(Clock.fixed(T0, ZoneOffset.UTC), Duration.ofDays(1));
        c.apply(JobControlMessage.cancelJob("j1", "why", "ingest-1", T0));
        Abort abort = new Abort();

        c.track(job("j1", null), abort);

        assertThat(abort.aborted()).isTrue();
        assertThat(abort.reason().kind()).isEqualTo(ErrorKind.CANCELLED);
        assertThat(abort.reason().message()).isEqualTo("the job was cancelled: why");
        Abort other = new Abort();
        c.track(job("j2", null), other);
        assertThat(other.aborted()).isFalse();
    }

    @Test
    void aCancellationAbortsRunningJobsOfItsJobOrBatchOnlyWhileTracked() {
        Cancellations c = new Cancellations(Clock.fixed(T0, ZoneOffset.UTC), Duration.ofDays(1));
        Abort inBatch = new Abort();
        Abort otherBatch = new Abort();
        Abort finished = new Abort();
        c.track(job("a", "b1"), inBatch);
        c.track(job("b", "b2"), otherBatch);
        c.track(job("c", "b1"), finished).run();

        c.apply(JobControlMessage.cancelBatch("b1", null, "ingest-1", T0));

        assertThat(inBatch.aborted()).isTrue();
        assertThat(inBatch.reason().message()).contains("batch b1");
        assertThat(otherBatch.aborted()).isFalse();
        assertThat(finished.aborted()).as("no longer tracked").isFalse();
    }

    @Test
    void cancellationsAreForgottenAfterTheRetention() {
        Instant[] now = {T0};
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        Cancellations c = new Cancellations(clock, Duration.ofHours(1));
        c.apply(JobControlMessage.cancelJob("old", null, "i", T0));
        c.apply(JobControlMessage.cancelJob("stale", null, "i", T0.minus(Duration.ofHours(2))));
        assertThat(c.size()).as("one already past the retention is not kept").isEqualTo(1);

        now[0] = T0.plus(Duration.ofHours(2));
        Abort abort = new Abort();
        c.track(job("old", null), abort);
        assertThat(abort.aborted()).isFalse();
        c.apply(JobControlMessage.cancelJob("new", null, "i", now[0]));
        assertThat(c.size()).as("expired ones purged").isEqualTo(1);
    }
}

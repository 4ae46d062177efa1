package dev.llmq.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.ingest.internal.JobStatusTopology;
import dev.llmq.schemas.TopicNames;
import java.time.Duration;
import org.apache.kafka.streams.Topology;

/**
 * The job status store's Kafka Streams topology, as every ingest instance runs it (see
 * {@code internal.JobStatusTopology}), for tools outside this module that drive it themselves: the status-store
 * update benchmark in {@code bench} feeds it through a {@code TopologyTestDriver}.
 */
public final class StatusTopology {

    /** The store of each job's snapshot. */
    public static final String JOB_STORE = JobStatusTopology.JOB_STORE;

    private StatusTopology() {
    }

    /** The topology over {@code topics}, keeping entries for {@code retention}. */
    public static Topology of(TopicNames topics, Duration retention, ObjectMapper mapper) {
        return JobStatusTopology.topology(topics, retention, mapper);
    }
}

package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** How far behind the broker the status store's consumers are, read from their metrics. */
class StatusStoreLagTest {

    private static final String FETCH = "consumer-fetch-manager-metrics";
    private final Map<MetricName, Metric> metrics = new HashMap<>();

    private void put(String name, String group, String client, String topic, int partition, Object value) {
        MetricName metricName = new MetricName(name, group, "", Map.of("client-id", client, "topic", topic,
                "partition", Integer.toString(partition)));
        metrics.put(metricName, new Metric() {
            @Override
            public MetricName metricName() {
                return metricName;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }

    @Test
    void aPartitionsLagIsFoundUnderItsTopicsMetricTagAndTheLargestCounts() {
        // Kafka tags a partition's metrics with its topic's dots as underscores
        put("records-lag", FETCH, "i1-status-StreamThread-1-consumer", "llmq_jobs_v1", 1, 12.0);
        put("records-lag", FETCH, "i1-status-StreamThread-2-consumer", "llmq_jobs_v1", 1, 40.0);
        put("records-lag", FETCH, "i1-status-StreamThread-1-consumer", "llmq_jobs_v1", 0, 0.0);
        put("records-lag-max", FETCH, "i1-status-StreamThread-1-consumer", "llmq_jobs_v1", 2, 9.0);
        put("records-lag", "consumer-coordinator-metrics", "i1-status-StreamThread-1-consumer", "llmq_jobs_v1", 2,
                9.0);

        assertThat(StatusStore.recordsLag(metrics, new TopicPartition("llmq.jobs.v1", 1))).isEqualTo(40.0);
        assertThat(StatusStore.recordsLag(metrics, new TopicPartition("llmq.jobs.v1", 0))).isZero();
        assertThat(StatusStore.recordsLag(metrics, new TopicPartition("llmq.jobs.v1", 2))).as("no such metric")
                .isNaN();
    }

    @Test
    void aLagNotMeasuredYetIsUnknown() {
        put("records-lag", FETCH, "i1-status-StreamThread-1-consumer", "llmq_batches_v1", 0, Double.NaN);
        assertThat(StatusStore.recordsLag(metrics, new TopicPartition("llmq.batches.v1", 0))).isNaN();
    }
}

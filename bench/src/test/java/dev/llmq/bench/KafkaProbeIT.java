package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code bench stream}'s Kafka probe on a real broker: each probe sent, read back and timed once. */
@ExtendWith(KafkaClusterExtension.class)
class KafkaProbeIT {

    private static final int PROBES = 50;
    private static final int PARTITIONS = 3;

    @Test
    void timesEveryProbeItSentOnceAndKnowsOtherProbesAndOtherRecordsApart(KafkaCluster kafka) throws Exception {
        String topic = "it-probe-" + UUID.randomUUID();
        try (Admin admin = Admin.create(props(kafka, AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG))) {
            List<NewTopic> created = List.of(new NewTopic(topic, PARTITIONS, (short) 1));
            admin.createTopics(created).all().get();
            TopicProvisioner.awaitLeaders(admin, created, Duration.ofSeconds(30));
        }
        List<ConsumerRecord<String, byte[]>> read = new ArrayList<>();
        try (KafkaProbe probe = KafkaProbe.start(kafka.bootstrapServers(), topic);
             KafkaProbe other = KafkaProbe.start(kafka.bootstrapServers(), topic);
             KafkaProducer<String, byte[]> plain = new KafkaProducer<>(
                     props(kafka, ProducerConfig.BOOTSTRAP_SERVERS_CONFIG), new StringSerializer(),
                     new ByteArraySerializer());
             KafkaConsumer<String, byte[]> reader = reader(kafka, topic)) {
            for (int i = 0; i < PROBES; i++) {
                probe.send();
            }
            other.send();
            plain.send(new ProducerRecord<>(topic, "job_1", new byte[] {'{', '}'})).get();
            int probes = 0;
            int others = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read.size() < PROBES + 2 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(100))) {
                    read.add(r);
                    if (probe.read(r, System.nanoTime())) {
                        probes++;
                    } else {
                        others++;
                    }
                }
            }
            assertThat(probe.sent()).isEqualTo(PROBES);
            assertThat(probes).as("every probe, its own and the other's, known as a probe").isEqualTo(PROBES + 1);
            assertThat(others).as("the plain record is not a probe").isOne();
            Histogram latency = probe.latencyMicros();
            assertThat(latency.getTotalCount()).as("only its own probes timed").isEqualTo(PROBES);
            assertThat(latency.getMinValue()).as("sent → readable takes time").isPositive();
            assertThat(latency.getMaxValue()).as("within the wait").isLessThan(Duration.ofSeconds(30).toNanos() / 1000);
            // read again (a reader that saw a probe twice): not timed twice
            assertThat(probe.read(read.stream().filter(r -> r.key().startsWith(KafkaProbe.KEY_PREFIX)).findFirst()
                    .orElseThrow(), System.nanoTime())).isTrue();
            assertThat(probe.latencyMicros().getTotalCount()).isEqualTo(PROBES);
        }
        // a probe is a stream chunk, so a reader of the chunks topic that does not know it parses it
        ConsumerRecord<String, byte[]> first = read.stream().filter(r -> r.key().startsWith(KafkaProbe.KEY_PREFIX))
                .findFirst().orElseThrow();
        StreamChunk chunk = JsonSerde.streamChunk().fromBytes(first.value());
        assertThat(chunk.jobId()).isEqualTo(first.key());
        assertThat(chunk.chunk().isEmpty()).isTrue();
    }

    private static Properties props(KafkaCluster kafka, String bootstrapKey) {
        Properties p = new Properties();
        p.put(bootstrapKey, kafka.bootstrapServers());
        return p;
    }

    private static KafkaConsumer<String, byte[]> reader(KafkaCluster kafka, String topic) {
        Properties p = props(kafka, ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = IntStream.range(0, PARTITIONS).mapToObj(n -> new TopicPartition(topic, n))
                .toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }
}

package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.StreamChunk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic from the beginning to its end (read_committed), as a client of llmq's topics would. */
final class TopicReader {

    private TopicReader() {
    }

    static <T> List<T> readAll(String bootstrap, String topic, Function<byte[], T> decode, int atLeast) {
        return readAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topic, decode, atLeast);
    }

    /** @param clientProperties {@code bootstrap.servers} and whatever else the cluster asks for (SASL, TLS) */
    static <T> List<T> readAll(Map<String, String> clientProperties, String topic, Function<byte[], T> decode,
                               int atLeast) {
        return records(clientProperties, topic, atLeast).stream().map(r -> decode.apply(r.value())).toList();
    }

    /** As {@link #readAll}, the whole records (key, headers). */
    static List<ConsumerRecord<String, byte[]>> records(Map<String, String> clientProperties, String topic,
                                                        int atLeast) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<String, byte[]>> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record);
                }
                return values.size() >= atLeast
                        && partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
        return values;
    }

    /**
     * The text of a job's last run (the run of its last chunk in topic order: a redelivered job starts again at
     * attempt 1, so the highest attempt is not always the last run), from its chunks in sequence order, which must
     * have no gaps.
     */
    static String reassemble(List<StreamChunk> chunks) {
        StreamChunk last = chunks.getLast();
        List<StreamChunk> ordered = chunks.stream()
                .filter(c -> c.attempt() == last.attempt() && Objects.equals(c.runId(), last.runId()))
                .sorted(Comparator.comparingLong(StreamChunk::seq)).toList();
        for (int i = 0; i < ordered.size(); i++) {
            assertThat(ordered.get(i).seq()).isEqualTo(i);
        }
        StringBuilder text = new StringBuilder();
        for (StreamChunk chunk : ordered) {
            for (JsonNode choice : chunk.chunk().path("choices")) {
                text.append(choice.path("delta").path("content").asText(""));
            }
        }
        return text.toString();
    }
}

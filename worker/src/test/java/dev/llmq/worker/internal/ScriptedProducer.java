package dev.llmq.worker.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A producer whose sends fail as a script says: {@code failure} gives the exception a record's send fails with, or
 * null to send it (then it is in {@link #history()}). Failed sends complete at once, as Kafka's own checks do.
 */
final class ScriptedProducer extends MockProducer<byte[], byte[]> {

    /** Every record given to {@code send}, sent or not. */
    final List<ProducerRecord<byte[], byte[]>> attempts = new CopyOnWriteArrayList<>();
    private final Function<ProducerRecord<byte[], byte[]>, RuntimeException> failure;

    ScriptedProducer(Function<ProducerRecord<byte[], byte[]>, RuntimeException> failure) {
        super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        this.failure = failure;
    }

    /** Attempts to send to {@code topic}. */
    List<ProducerRecord<byte[], byte[]>> attempts(String topic) {
        return attempts.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    /** Records sent to {@code topic}. */
    List<ProducerRecord<byte[], byte[]>> sent(String topic) {
        return history().stream().filter(r -> r.topic().equals(topic)).toList();
    }

    @Override
    public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
        attempts.add(record);
        RuntimeException error = failure.apply(record);
        if (error == null) {
            return super.send(record, callback);
        }
        if (callback != null) {
            callback.onCompletion(null, error);
        }
        return CompletableFuture.failedFuture(error);
    }
}

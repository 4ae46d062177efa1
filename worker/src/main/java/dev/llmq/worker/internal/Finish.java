package dev.llmq.worker.internal;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * How a job record ends: the records it leads to (its result, its dead letter), written in the transaction that
 * commits the record's offset as done, and the future that says how that went.
 *
 * @param records written with the offset, in this order; none for a record that leads to nothing more
 * @param done completes when the transaction committed; exceptionally with {@link dev.llmq.worker.Delivery.Refused}
 *             when Kafka refused one of the records for good (nothing of it was written; finish again with others),
 *             or {@link dev.llmq.worker.Delivery.Dropped} when the partition left this worker first
 * @param finishedAt when the job finished ({@link System#nanoTime()}), for the wait it then has
 */
record Finish(List<ProducerRecord<byte[], byte[]>> records, CompletableFuture<Void> done, long finishedAt) {

    Finish {
        records = List.copyOf(Objects.requireNonNull(records, "records"));
        Objects.requireNonNull(done, "done");
    }

    /** A record that finished now ({@code finishedAt}: {@link System#nanoTime()}). */
    Finish(List<ProducerRecord<byte[], byte[]>> records, CompletableFuture<Void> done) {
        this(records, done, System.nanoTime());
    }
}

package dev.llmq.worker.internal;

import dev.llmq.worker.Delivery;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A {@link Delivery.Finisher} for tests of what a job record is finished with, without a feed: sends the records one
 * by one through a producer, reports the first one Kafka refuses for good as {@link Delivery.Refused} (as
 * {@link ResultTransactions} does), sends them all again after a retriable failure (as the feed's next transaction
 * would), and counts finishes that went through.
 */
final class ProducerFinisher implements Delivery.Finisher {

    private final Producer<byte[], byte[]> producer;
    private final AtomicInteger finished;

    ProducerFinisher(Producer<byte[], byte[]> producer, AtomicInteger finished) {
        this.producer = producer;
        this.finished = finished;
    }

    @Override
    public CompletableFuture<Void> finish(List<ProducerRecord<byte[], byte[]>> records) {
        while (true) {
            Exception failure = null;
            int i = 0;
            for (; i < records.size() && failure == null; i++) {
                try {
                    producer.send(records.get(i)).get();
                } catch (ExecutionException e) {
                    failure = (Exception) e.getCause();
                } catch (RuntimeException e) {
                    failure = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return CompletableFuture.failedFuture(e);
                }
            }
            if (failure == null) {
                finished.incrementAndGet();
                return CompletableFuture.completedFuture(null);
            }
            if (ResultTransactions.refusedForGood(failure)) {
                return CompletableFuture.failedFuture(new Delivery.Refused(i - 1, failure));
            }
        }
    }
}

package dev.llmq.worker;

import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Where jobs come from: the one seam between the worker and Kafka's consumption model. The classic consumer group
 * implementation tracks offsets itself; a share-group implementation would map {@link Delivery#ack()} to an
 * acknowledgement of the record.
 *
 * <p>An implementation hands out records without waiting for earlier ones to be acked, keeps at most its configured
 * number of records unacked, and never acknowledges (commits) a record before its ack.
 */
public interface JobFeed {

    /**
     * Consumes on the calling thread until {@link #stop()}; each record goes to {@code dispatcher}, which must not
     * block (it hands the record to another thread). After a stop it waits, bounded, for outstanding acks, acknowledges
     * what is done and releases the consumer.
     */
    void run(Consumer<Delivery> dispatcher);

    /**
     * Asks {@link #run} to finish and returns at once; a feed that never ran releases its consumer here. The feed
     * drains, acknowledges what is done and leaves its group at once, so the others take over without waiting.
     */
    void stop();

    /**
     * {@link #stop()}, and once the drain's time is up with jobs still running, runs {@code stopJobs} (which interrupts
     * them) and waits a moment more: the jobs that answer it end {@linkplain Delivery#abandoned() abandoned} and their
     * starts are given back before the feed acknowledges and leaves. Jobs that do not answer stay counted as started.
     */
    void stop(Runnable stopJobs);

    /**
     * Asks {@link #run} to finish at once, as if the process had died: no drain, no acknowledgement, and the feed stays
     * in its group until the group's session timeout. For tests of failover.
     */
    void abort();

    /** This feed's member id in its group once it has joined (it may hold no partition yet), else empty. */
    String memberId();

    /** The partitions of the jobs topics (both lanes) this feed holds now. */
    Set<TopicPartition> partitions();

    /** Records handed out, not yet acked, and holding a slot (jobs waiting without one are {@link #waiting()}). */
    int inFlight();

    /** Records fetched and not yet handed out. */
    int backlog();

    /** Jobs handed out that wait for capacity without holding a slot ({@link JobSlot#release()}). */
    int waiting();
}

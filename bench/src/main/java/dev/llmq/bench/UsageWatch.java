package dev.llmq.bench;

import dev.llmq.cli.Repeat;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.UsageRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a usage topic ({@code read_committed}, every partition from the start, no group) on a thread of its own and
 * keeps the latest request count of each watched group key, as a consumer of llmq's usage topics sees it; for one key
 * it can time each counted result's lag ({@link #timeLags}).
 */
final class UsageWatch implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Long> counts = new ConcurrentHashMap<>();
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;
    /** The key whose lags are timed, the planned send of each of its results, and the lags (microseconds). */
    private volatile String lagKey;
    private volatile long[] planned;
    private final Histogram lags = new Histogram(3_600_000_000L, 3);

    private UsageWatch(KafkaConsumer<String, byte[]> consumer, List<String> keys) {
        this.consumer = consumer;
        keys.forEach(k -> counts.put(k, 0L));
        this.thread = new Thread(this::run, "usage-watch");
        this.thread.setDaemon(true);
    }

    /** Starts reading {@code topic} (which must exist) for {@code keys}. */
    static UsageWatch start(String bootstrap, String topic, String... keys) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p);
        consumer.assign(consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList());
        UsageWatch watch = new UsageWatch(consumer, List.of(keys));
        watch.thread.start();
        return watch;
    }

    /**
     * From now on, each update of {@code key} that raises its count to {@code n} records the lag of the results
     * numbered below {@code n} (from 0, the key's count now being 0) from their planned send ({@code
     * System.nanoTime()}) to this update's arrival.
     */
    void timeLags(String key, long[] plannedSends) {
        if (count(key) != 0) {
            throw new IllegalStateException(key + " counts results already");
        }
        planned = plannedSends;
        lagKey = key;
    }

    /** The lags recorded so far, in microseconds. */
    Histogram lags() {
        synchronized (lags) {
            return lags.copy();
        }
    }

    /** The latest count of {@code key} read (0 before any). */
    long count(String key) {
        Long n = counts.get(key);
        if (n == null) {
            throw new IllegalArgumentException(key + " is not watched");
        }
        return n;
    }

    /** Waits until {@code key} counts at least {@code n}; false when {@code limit} passes first. */
    boolean await(String key, long n, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        boolean[] reached = {false};
        Repeat.every(Duration.ofMillis(5), () -> {
            Throwable t = failure.get();
            if (t != null) {
                throw new IllegalStateException("reading the usage topic failed", t);
            }
            reached[0] = count(key) >= n;
            return !reached[0] && System.nanoTime() < deadline;
        });
        return reached[0];
    }

    private void run() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    Long before = r.key() == null ? null : counts.get(r.key());
                    if (before == null) {
                        continue;
                    }
                    long now = System.nanoTime();
                    UsageRecord u = JsonSerde.usageRecord().fromBytes(r.value());
                    if (u.requests() > before) {
                        counts.put(r.key(), u.requests());
                        if (r.key().equals(lagKey)) {
                            record(before, u.requests(), now);
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    private void record(long from, long to, long now) {
        long[] sends = planned;
        synchronized (lags) {
            for (long i = from; i < to && i < sends.length; i++) {
                lags.recordValue(Math.max(0, now - sends[(int) i]) / 1000);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        thread.join(10_000);
        consumer.close(Duration.ofSeconds(5));
    }
}

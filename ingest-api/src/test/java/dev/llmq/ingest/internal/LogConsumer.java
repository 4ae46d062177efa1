package dev.llmq.ingest.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/**
 * A consumer over an in-memory partitioned log that, unlike {@link MockConsumer}, keeps its records: a seek back reads
 * them again, as a broker would. {@code poll} blocks (up to its timeout) until a record is appended, and returns at
 * most {@code maxPerPoll} records per partition. Several consumers can share one {@link Log}.
 */
final class LogConsumer extends MockConsumer<String, byte[]> {

    /** The records of one topic, by partition; timestamps are the offsets' order of arrival. */
    static final class Log {
        final String topic;
        final int partitions;
        private final Map<Integer, List<ConsumerRecord<String, byte[]>>> records = new HashMap<>();
        private final List<LogConsumer> readers = new ArrayList<>();

        Log(String topic, int partitions) {
            this.topic = topic;
            this.partitions = partitions;
        }

        /** Appends to the partition the key hashes to; returns the record's offset. */
        long append(String key, String value, long timestamp) {
            int p = StreamRelay.partitionFor(key, partitions);
            long offset;
            synchronized (this) {
                List<ConsumerRecord<String, byte[]>> list = records.computeIfAbsent(p, k -> new ArrayList<>());
                offset = list.size();
                list.add(new ConsumerRecord<>(topic, p, offset, timestamp, TimestampType.CREATE_TIME, 0, 0, key,
                        value.getBytes(StandardCharsets.UTF_8), new RecordHeaders(), Optional.empty()));
            }
            List<LogConsumer> wake;
            synchronized (this) {
                wake = List.copyOf(readers);
            }
            wake.forEach(LogConsumer::appended);
            return offset;
        }

        synchronized List<ConsumerRecord<String, byte[]>> from(int partition, long offset, int max) {
            List<ConsumerRecord<String, byte[]>> list = records.getOrDefault(partition, List.of());
            int from = (int) Math.min(offset, list.size());
            return List.copyOf(list.subList(from, Math.min(list.size(), from + max)));
        }

        synchronized long end(int partition) {
            return records.getOrDefault(partition, List.of()).size();
        }

        synchronized Long offsetForTime(int partition, long timestamp) {
            for (ConsumerRecord<String, byte[]> r : records.getOrDefault(partition, List.of())) {
                if (r.timestamp() >= timestamp) {
                    return r.offset();
                }
            }
            return null;
        }

        synchronized void register(LogConsumer c) {
            readers.add(c);
        }
    }

    private final Log log;
    private final int maxPerPoll;
    private KafkaException failNextPoll;
    private KafkaException failOffsets;

    LogConsumer(Log log, int maxPerPoll) {
        super("earliest");
        this.log = log;
        this.maxPerPoll = maxPerPoll;
        List<PartitionInfo> infos = new ArrayList<>();
        for (int p = 0; p < log.partitions; p++) {
            infos.add(new PartitionInfo(log.topic, p, null, null, null));
        }
        updatePartitions(log.topic, infos);
        log.register(this);
    }

    synchronized void failNextPoll(KafkaException e) {
        failNextPoll = e;
    }

    /** Every offset lookup fails with {@code e} from now on (a broker that does not answer). */
    synchronized void failOffsets(KafkaException e) {
        failOffsets = e;
    }

    private synchronized void appended() {
        notifyAll();
    }

    @Override
    public synchronized ConsumerRecords<String, byte[]> poll(Duration timeout) {
        if (closed()) {
            throw new IllegalStateException("This consumer has already been closed.");
        }
        if (failNextPoll != null) {
            KafkaException e = failNextPoll;
            failNextPoll = null;
            throw e;
        }
        Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> out = read();
        if (out.isEmpty()) {
            try {
                wait(Math.max(1, timeout.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
            out = read();
        }
        return new ConsumerRecords<>(out, Map.of());
    }

    private Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> read() {
        Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> out = new HashMap<>();
        for (TopicPartition tp : assignment()) {
            long position = position(tp);
            List<ConsumerRecord<String, byte[]>> got = log.from(tp.partition(), position, maxPerPoll);
            if (!got.isEmpty()) {
                out.put(tp, got);
                seek(tp, got.getLast().offset() + 1);
            }
        }
        return out;
    }

    @Override
    public synchronized Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        if (failOffsets != null) {
            throw failOffsets;
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        partitions.forEach(tp -> out.put(tp, log.end(tp.partition())));
        return out;
    }

    @Override
    public synchronized Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions,
                                                                 Duration timeout) {
        Map<TopicPartition, Long> out = new HashMap<>();
        partitions.forEach(tp -> out.put(tp, 0L));
        return out;
    }

    @Override
    public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times,
                                                                             Duration timeout) {
        Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
        times.forEach((tp, t) -> {
            Long offset = log.offsetForTime(tp.partition(), t);
            out.put(tp, offset == null ? null : new OffsetAndTimestamp(offset, t));
        });
        return out;
    }
}

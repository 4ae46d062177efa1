package dev.llmq.usage;

import dev.llmq.schemas.Topics;
import dev.llmq.schemas.TopicSpec;
import dev.llmq.schemas.UsageRecord;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The aggregator's windows: tumbling 1-minute, 1-hour and 1-day windows by completion time (epoch-aligned, so days
 * are UTC days), and the running total. Each has one named, queryable store ({@code usage-<name>}) and one topic.
 */
public enum UsageWindow {

    MINUTE("1m", Duration.ofMinutes(1), Topics.USAGE_1M),
    HOUR("1h", Duration.ofHours(1), Topics.USAGE_1H),
    DAY("1d", Duration.ofDays(1), Topics.USAGE_1D),
    TOTAL("total", null, Topics.USAGE_TOTAL);

    private final String wire;
    private final Duration size;
    private final TopicSpec<UsageRecord> topic;

    UsageWindow(String wire, Duration size, TopicSpec<UsageRecord> topic) {
        this.wire = wire;
        this.size = size;
        this.topic = topic;
    }

    /** The name in {@code window=} and in {@link UsageRecord#window()}. */
    public String wire() {
        return wire;
    }

    /** The window's length; null for the running total. */
    public Duration size() {
        return size;
    }

    public boolean windowed() {
        return size != null;
    }

    /** The queryable store: {@code usage-1m}, {@code usage-1h}, {@code usage-1d}, {@code usage-total}. */
    public String storeName() {
        return "usage-" + wire;
    }

    public TopicSpec<UsageRecord> topic() {
        return topic;
    }

    /**
     * How long the window store keeps a window: the topic's retention, and never less than a window and its grace
     * (Kafka Streams' own minimum).
     */
    public Duration retention(Duration grace) {
        Duration minimum = size.plus(grace);
        return topic.retention() == null || topic.retention().compareTo(minimum) < 0 ? minimum : topic.retention();
    }

    public static Optional<UsageWindow> fromWire(String value) {
        return Arrays.stream(values()).filter(w -> w.wire.equals(value)).findFirst();
    }
}

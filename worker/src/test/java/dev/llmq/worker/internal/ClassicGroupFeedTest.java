package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.worker.Delivery;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The feed's life cycle: a feed stopped before its loop started (a worker closed right after its start) ends
 * quietly with its consumer closed, rather than failing its loop with an error; a feed still runs only once.
 */
class ClassicGroupFeedTest {

    private static final ClassicGroupFeed.Options OPTIONS = new ClassicGroupFeed.Options("jobs.interactive", "jobs",
            8, 8, 0.2, 8, 3, true, Duration.ofMillis(20), Duration.ofSeconds(1), Duration.ZERO);

    /** Result transactions over mock producers that commit at once, for the feed tests. */
    static ResultTransactions transactions() {
        return new ResultTransactions(slot -> new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()), "test-results", new SimpleMeterRegistry());
    }

    @Test
    void aFeedStoppedBeforeItRanEndsQuietlyWithItsConsumerClosed() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        ClassicGroupFeed feed = new ClassicGroupFeed(consumer, OPTIONS, transactions(),
                new StartsLog(new MockConsumer<>("earliest"), "test-starts"));
        List<Delivery> dispatched = new ArrayList<>();

        feed.stop();
        feed.run(dispatched::add);

        assertThat(consumer.closed()).isTrue();
        assertThat(dispatched).isEmpty();
    }

    @Test
    void aFeedRunsOnlyOnce() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        ClassicGroupFeed feed = new ClassicGroupFeed(consumer, OPTIONS, transactions(),
                new StartsLog(new MockConsumer<>("earliest"), "test-starts"));
        consumer.schedulePollTask(feed::stop); // the first poll stops the loop
        feed.run(d -> { });

        assertThatThrownBy(() -> feed.run(d -> { })).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("runs once");
    }
}

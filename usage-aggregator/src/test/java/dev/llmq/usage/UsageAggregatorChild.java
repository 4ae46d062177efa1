package dev.llmq.usage;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * An aggregator in a JVM of its own, for {@link UsageAggregatorKillIT} to kill with SIGKILL: arguments bootstrap
 * servers, topic prefix, instance id, state directory. Prints {@code ready} once its stream runs, then runs until
 * killed.
 */
public final class UsageAggregatorChild {

    private UsageAggregatorChild() {
    }

    public static void main(String[] args) throws Exception {
        UsageAggregator aggregator = new UsageAggregator(UsageAggregatorKillIT.settings(args[0],
                new dev.llmq.schemas.TopicNames(args[1]), args[2], Path.of(args[3])), new SimpleMeterRegistry(),
                Clock.systemUTC()).start();
        org.awaitility.Awaitility.await().forever().until(aggregator::ready);
        System.out.println("ready");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}

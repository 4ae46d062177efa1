package dev.llmq.testkit.junit;

import dev.llmq.runtime.KafkaCluster;
import java.util.concurrent.atomic.AtomicReference;

/** The first cluster any test class saw in this run; every later class must see the same one. */
final class SharedCluster {
    static final AtomicReference<KafkaCluster> FIRST_SEEN = new AtomicReference<>();

    private SharedCluster() {
    }
}

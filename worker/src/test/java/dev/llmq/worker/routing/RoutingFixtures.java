package dev.llmq.worker.routing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.Providers;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Router;
import dev.llmq.router.Sleeper;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.Json;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;

/** A real router and provider client behind a {@link RoutedJobHandler}, for tests against the mock LLM server. */
final class RoutingFixtures {

    private RoutingFixtures() {
    }

    /** The handler for a config (YAML), routing with seeded randomness. */
    static RoutedJobHandler handler(String yaml, long seed) {
        Clock clock = Clock.systemUTC();
        DeploymentPrices prices = new DeploymentPrices(PriceTable.bundled());
        Router router = new Router(ConfigLoader.parse(yaml, Map.of()), clock, new SplittableRandom(seed),
                Sleeper.THREAD, prices);
        return new RoutedJobHandler(() -> router, Providers.client(Providers.defaultHttpClient(), clock), prices, clock);
    }

    /** A one-message job for a model group. */
    static JobRequest job(String group, boolean stream) {
        return job(group, stream, null);
    }

    /** A one-message job for a model group, part of a batch when {@code batchId} is set. */
    static JobRequest job(String group, boolean stream, String batchId) {
        ObjectNode body = Json.mapper().createObjectNode().put("model", group);
        body.putArray("messages").addObject().put("role", "user").put("content", "hello there");
        if (stream) {
            body.put("stream", true);
        }
        return new JobRequest(1, "job-" + group + stream, batchId, null, null, group, body, stream, 0, null, null, null,
                Instant.now(), null);
    }
}

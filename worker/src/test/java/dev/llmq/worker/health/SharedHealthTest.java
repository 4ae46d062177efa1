package dev.llmq.worker.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Deployment;
import dev.llmq.router.DeploymentHealthEvent;
import dev.llmq.router.DeploymentHealthEvent.State;
import dev.llmq.router.RouteRequest;
import dev.llmq.router.Router;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The bridge between a router's health and a bus, with an in-memory bus. */
class SharedHealthTest {

    private static final Instant NOW = Instant.parse("2026-11-26T12:00:30Z");

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final Router router = new Router(ConfigLoader.parse("""
            model_list:
              - model_name: g
                litellm_params: { model: openai/a, api_base: "http://127.0.0.1:9", api_key: k }
                model_info: { id: a }
              - model_name: g
                litellm_params: { model: openai/b, api_base: "http://127.0.0.1:9", api_key: k }
                model_info: { id: b }
            """, Map.of()), clock, new SplittableRandom(3));
    private final RecordingBus bus = new RecordingBus();
    private final SharedHealth shared = new SharedHealth(router.health(), clock);

    static final class RecordingBus implements HealthBus {
        final List<DeploymentHealthEvent> published = new CopyOnWriteArrayList<>();

        @Override
        public void publish(DeploymentHealthEvent event) {
            published.add(event);
        }

        @Override
        public boolean ready() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private Deployment deployment(String id) {
        return router.config().deployments().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void localCooldownsArePublished() {
        shared.publishTo(bus);
        ProviderError throttled = ProviderError.builder(ErrorKind.RATE_LIMITED).httpStatus(429).message("slow down")
                .retryAfter(Duration.ofSeconds(10)).build();
        for (int i = 0; i < 20 && bus.published.isEmpty(); i++) {
            router.execute(RouteRequest.of("g"), (d, n) -> {
                if (d.id().equals("a")) {
                    throw new ProviderException(throttled);
                }
                return OkResponses.ok();
            });
        }
        assertThat(bus.published).containsExactly(
                new DeploymentHealthEvent("a", State.COOLED, NOW.plusSeconds(10), "rate_limited (429)"));
    }

    @Test
    void remoteEventsAreAppliedWithoutEcho() {
        shared.publishTo(bus);
        shared.onRemoteHealth(new DeploymentHealthEvent("a", State.COOLED, NOW.plusSeconds(5), "x"), "w2/1", NOW);
        shared.onRemoteHealth(new DeploymentHealthEvent("b", State.OPEN, NOW.plusSeconds(30), "y"), "w2/1",
                NOW.minusMillis(40));

        assertThat(router.health().snapshot(deployment("a")).cooledUntil()).isEqualTo(NOW.plusSeconds(5));
        assertThat(router.health().snapshot(deployment("b")).circuitOpen()).isTrue();
        assertThat(bus.published).as("applying emits nothing").isEmpty();
        assertThat(shared.applied()).isEqualTo(2);
        assertThat(shared.lastDelay()).isEqualTo(Duration.ofMillis(40));

        shared.onRemoteHealth(new DeploymentHealthEvent("b", State.CLOSED, null, "probe ok"), "w2/1", NOW);
        assertThat(router.health().snapshot(deployment("b")).circuitOpen()).isFalse();
        assertThat(bus.published).isEmpty();
    }

    @Test
    void staleEventsAndRemoteRecoveriesAreNotApplied() {
        shared.onRemoteHealth(new DeploymentHealthEvent("a", State.COOLED, NOW.minusSeconds(1), "old"), "w2/1",
                NOW.minusSeconds(6));
        shared.onRemoteHealth(new DeploymentHealthEvent("b", State.OPEN, NOW, "ends now"), "w2/1", NOW);
        assertThat(shared.applied()).isZero();

        shared.onRemoteHealth(new DeploymentHealthEvent("a", State.COOLED, NOW.plusSeconds(8), "429"), "w3/1", NOW);
        shared.onRemoteHealth(new DeploymentHealthEvent("a", State.RECOVERED, null, "w2's shorter cooldown ended"),
                "w2/1", NOW);
        assertThat(router.health().snapshot(deployment("a")).cooledUntil())
                .as("a cooldown ends at its own until").isEqualTo(NOW.plusSeconds(8));
        assertThat(shared.applied()).isEqualTo(1);
    }
}

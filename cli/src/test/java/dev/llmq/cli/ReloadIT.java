package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.router.ConfigWatcher;
import dev.llmq.router.Deployment;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of a running llmq (issue 4, point 7): an edited config file applies within seconds without a restart,
 * unchanged deployments keep their health, jobs in flight finish on their deployment, and an invalid file is
 * rejected with a logged reason while the previous config stays in force.
 */
@ExtendWith(KafkaClusterExtension.class)
class ReloadIT {

    private static final String V1 = """
            model_list:
              - model_name: chat
                litellm_params: { model: openai/steady, api_base: %1$s, api_key: k }
                model_info: { id: steady }
              - model_name: chat
                litellm_params: { model: openai/throttled, api_base: %1$s, api_key: k }
                model_info: { id: throttled }
              - model_name: old
                litellm_params: { model: openai/steady, api_base: %1$s, api_key: k }
                model_info: { id: old-1 }
              - model_name: changing
                litellm_params: { model: openai/v1, api_base: %1$s, api_key: k }
                model_info: { id: chg }
              - model_name: slow
                litellm_params: { model: openai/slow, api_base: %1$s, api_key: k }
                model_info: { id: slow-1 }
            router_settings: { num_retries: 2 }
            llmq:
              topics: { prefix: %2$s, partitions: 2 }
            """;

    /** Removes {@code old} and {@code slow}, adds {@code fresh}, points {@code chg} at another model; chat as is. */
    private static final String V2 = """
            model_list:
              - model_name: chat
                litellm_params: { model: openai/steady, api_base: %1$s, api_key: k }
                model_info: { id: steady }
              - model_name: chat
                litellm_params: { model: openai/throttled, api_base: %1$s, api_key: k }
                model_info: { id: throttled }
              - model_name: changing
                litellm_params: { model: openai/v2, api_base: %1$s, api_key: k }
                model_info: { id: chg }
              - model_name: fresh
                litellm_params: { model: openai/fresh, api_base: %1$s, api_key: k }
                model_info: { id: fresh-1 }
            router_settings: { num_retries: 2 }
            llmq:
              topics: { prefix: %2$s, partitions: 2 }
            """;

    private MockLlmServer mock;
    private Standalone llmq;

    @AfterEach
    void stop() throws Exception {
        TestConfigs.closeAll(llmq, mock);
    }

    @Test
    void editsApplyWithinSecondsKeepHealthLetJobsFinishAndInvalidFilesAreRejected(KafkaCluster kafka,
                                                                                  @TempDir Path dir) throws Exception {
        mock = MockLlmServer.builder().port(0)
                .behavior("throttled", MockBehavior.defaults().failingAlways(Fault.rateLimited(Duration.ofSeconds(60))))
                .behavior("slow", MockBehavior.defaults().withLatency(Duration.ofSeconds(3)))
                .build().start();
        String prefix = TestConfigs.uniquePrefix();
        Path config = dir.resolve("llmq.yaml");
        Files.writeString(config, V1.formatted(mock.openAiBaseUrl(), prefix));
        llmq = TestConfigs.startLlmq(config, dir, kafka.bootstrapServers());
        IngestClient client = new IngestClient(llmq.httpUrl());

        // cool 'throttled' down (60 s Retry-After); the jobs succeed on 'steady'
        for (int i = 0; mock.requests("throttled").isEmpty(); i++) {
            assertThat(i).as("'throttled' was never picked").isLessThan(20);
            String id = submit(client, "warm-" + i, "chat");
            awaitStatus(client, id, "succeeded");
        }
        Instant cooledUntil = await().atMost(Duration.ofSeconds(5))
                .until(() -> llmq.router().health().snapshot(deployment("throttled")).cooledUntil(), u -> u != null);
        String changingBefore = submit(client, "chg-before", "changing");
        awaitStatus(client, changingBefore, "succeeded");
        assertThat(mock.requests("v1")).hasSize(1);

        // a job in flight on a deployment the edit removes
        String inFlight = submit(client, "in-flight", "slow");
        await().atMost(Duration.ofSeconds(10)).until(() -> !mock.requests("slow").isEmpty());

        long editedAt = System.nanoTime();
        Files.writeString(config, V2.formatted(mock.openAiBaseUrl(), prefix));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> llmq.router().modelGroups().contains("fresh"));
        System.err.printf("ReloadIT: edit applied after %d ms%n", (System.nanoTime() - editedAt) / 1_000_000);

        assertThat(llmq.router().modelGroups()).containsExactlyInAnyOrder("chat", "changing", "fresh");
        JsonNode slowJob = awaitStatus(client, inFlight, "succeeded");
        assertThat(slowJob.path("deployment").asText()).as("finished on its (removed) deployment").isEqualTo("slow-1");
        assertThat(slowJob.path("attempts").asInt()).isEqualTo(1);

        awaitStatus(client, submit(client, "fresh-0", "fresh"), "succeeded");
        assertThat(mock.requests("fresh")).hasSize(1);
        assertThatThrownBy(() -> submit(client, "old-0", "old"))
                .isInstanceOf(IngestClient.ApiException.class).hasMessageContaining("400");
        awaitStatus(client, submit(client, "chg-after", "changing"), "succeeded");
        assertThat(mock.requests("v2")).as("traffic moved to the changed deployment's new model").hasSize(1);
        assertThat(mock.requests("v1")).hasSize(1);
        assertThat(llmq.router().health().snapshot(deployment("throttled")).cooledUntil())
                .as("an unchanged deployment keeps its cooldown").isEqualTo(cooledUntil);

        // an invalid file is rejected with a logged reason; the previous config stays
        Logger watcherLog = (Logger) LoggerFactory.getLogger(ConfigWatcher.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        watcherLog.addAppender(logged);
        try {
            Files.writeString(config, V2.formatted(mock.openAiBaseUrl(), prefix)
                    .replace("openai/fresh", "nope/fresh"));
            await().atMost(Duration.ofSeconds(5)).until(() -> List.copyOf(logged.list).stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("invalid")
                            && e.getFormattedMessage().contains("unknown provider 'nope'")));
        } finally {
            watcherLog.detachAppender(logged);
        }
        assertThat(llmq.router().modelGroups()).containsExactlyInAnyOrder("chat", "changing", "fresh");
        awaitStatus(client, submit(client, "fresh-1", "fresh"), "succeeded");
        assertThat(mock.requests("fresh")).hasSize(2);
        assertThat(llmq.router().health().snapshot(deployment("throttled")).cooledUntil()).isEqualTo(cooledUntil);
    }

    private Deployment deployment(String id) {
        return llmq.router().config().deployments().stream().filter(d -> d.id().equals(id)).findFirst()
                .orElseThrow();
    }

    private static String submit(IngestClient client, String customId, String group) throws Exception {
        return client.submitNdjson(List.of(JobLines.line(customId, group))).jobIds().getFirst();
    }

    private static JsonNode awaitStatus(IngestClient client, String id, String status) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> client.job(id),
                job -> job.path("status").asText().equals(status));
    }
}

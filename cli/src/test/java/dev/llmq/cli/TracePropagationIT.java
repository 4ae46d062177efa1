package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.runtime.mock.RecordedRequest;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.TraceContext;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's trace propagation, ingest → Kafka → worker → mock provider → results and chunks, with OpenTelemetry
 * exporting to a real OTLP/HTTP receiver on 127.0.0.1: the 202 echoes the trace, the provider sees the job's trace id
 * under the attempt span's id, the deduplicated result, the status events and the chunks carry the job's trace, and
 * the spans arrive parented hop by hop with the GenAI attributes.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracePropagationIT {

    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final String CALLER_SPAN = "b7ad6b7169203331";
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
            + "%s}";

    private final HttpClient http = HttpClient.newHttpClient();
    private MockLlmServer mock;
    private OtlpReceiver otlp;
    private Standalone llmq;
    private TopicNames topics;
    private String bootstrap;

    @BeforeAll
    void start(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        mock = MockLlmServer.builder().port(0).build().start();
        otlp = new OtlpReceiver();
        String prefix = TestConfigs.uniquePrefix();
        topics = new TopicNames(prefix);
        bootstrap = kafka.bootstrapServers();
        // every run tells it is running at once, so even the quick jobs' status events are there to carry the trace
        Path config = TestConfigs.write(dir, mock.openAiBaseUrl(), prefix, "worker: { running_event_delay_ms: 0 }");
        llmq = Standalone.start(new Standalone.Options(config, dir, "127.0.0.1", 0, 0, Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint(), "OTEL_BSP_SCHEDULE_DELAY", "100"), bootstrap));
        await().atMost(Duration.ofSeconds(60)).until(llmq::ready);
    }

    @AfterAll
    void stop() throws Exception {
        TestConfigs.closeAll(llmq, mock, otlp);
    }

    @Test
    void aJobsTraceReachesTheProviderTheResultTheChunksAndTheSpans() throws Exception {
        HttpResponse<String> traced = submit(CHAT.formatted(""), "traceparent",
                "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01", "tracestate", "vendor=v1");
        HttpResponse<String> fresh = submit(CHAT.formatted(",\"stream\":true"));

        // the 202 echoes the trace the jobs carry: the caller's trace under the ingest's span; a new one without
        TraceContext echoed = echoed(traced);
        assertThat(echoed.traceId()).isEqualTo(TRACE_ID);
        assertThat(echoed.spanId()).as("the ingest's POST /v1/jobs span").isNotEqualTo(CALLER_SPAN);
        TraceContext started = echoed(fresh);
        assertThat(started.traceId()).isNotEqualTo(TRACE_ID);
        String tracedJob = jobId(traced);
        String freshJob = jobId(fresh);

        // the deduplicated results topic, read_committed: each result carries its job's trace
        List<ConsumerRecord<String, byte[]>> results = TopicReader.records(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topics.results(), 2);
        assertThat(results).extracting(ConsumerRecord::key).containsExactlyInAnyOrder(tracedJob, freshJob);
        ConsumerRecord<String, byte[]> tracedResult = only(results, r -> r.key().equals(tracedJob));
        assertThat(trace(tracedResult).traceId()).isEqualTo(TRACE_ID);
        assertThat(trace(tracedResult).tracestate()).isEqualTo("vendor=v1");
        assertThat(trace(only(results, r -> r.key().equals(freshJob))).traceId()).isEqualTo(started.traceId());

        // the streamed job's chunks
        List<ConsumerRecord<String, byte[]>> chunks = TopicReader.records(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topics.chunks(), 1);
        assertThat(chunks).isNotEmpty().allSatisfy(c -> {
            assertThat(c.key()).isEqualTo(freshJob);
            assertThat(trace(c).traceId()).isEqualTo(started.traceId());
        });

        // the worker's status events
        List<ConsumerRecord<String, byte[]>> statuses = TopicReader.records(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topics.status(), 2);
        assertThat(statuses).filteredOn(r -> tracedJob.equals(r.key())).isNotEmpty()
                .allSatisfy(r -> assertThat(trace(r).traceId()).isEqualTo(TRACE_ID));

        // the provider saw the job's trace id under a parent id of its own (the attempt's span)
        RecordedRequest call = only(mock.requests(), r -> r.headers().getOrDefault("traceparent", "")
                .contains(TRACE_ID));
        TraceContext sent = TraceContext.parse(call.headers().get("traceparent"), call.headers().get("tracestate"))
                .orElseThrow();
        assertThat(sent.spanId()).isNotIn(CALLER_SPAN, echoed.spanId());
        assertThat(sent.tracestate()).isEqualTo("vendor=v1");
        RecordedRequest streamed = only(mock.requests(), r -> r.headers().getOrDefault("traceparent", "")
                .contains(started.traceId()));
        assertThat(streamed.stream()).isTrue();
        assertThat(TraceContext.parse(streamed.headers().get("traceparent"), null).orElseThrow().spanId())
                .isNotEqualTo(started.spanId());

        // the spans: ingest SERVER → worker job run (CONSUMER) → provider attempt (CLIENT) with GenAI attributes
        await().atMost(Duration.ofSeconds(15)).until(() -> otlp.spans().stream()
                .filter(s -> s.traceId().equals(TRACE_ID)).count() >= 3);
        List<OtlpReceiver.ReceivedSpan> spans = otlp.spans().stream().filter(s -> s.traceId().equals(TRACE_ID))
                .toList();
        OtlpReceiver.ReceivedSpan server = only(spans, s -> s.name().equals("POST /v1/jobs"));
        assertThat(server.kind()).isEqualTo(2);
        assertThat(server.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(server.spanId()).isEqualTo(echoed.spanId());
        assertThat(server.attributes()).containsEntry("http.response.status_code", 202L);
        OtlpReceiver.ReceivedSpan run = only(spans, s -> s.kind() == 5);
        assertThat(run.parentSpanId()).isEqualTo(server.spanId());
        assertThat(run.attributes()).containsEntry("llmq.job.id", tracedJob).containsEntry("llmq.job.status",
                "succeeded");
        OtlpReceiver.ReceivedSpan attempt = only(spans, s -> s.name().equals("chat gpt-4o-mini"));
        assertThat(attempt.kind()).isEqualTo(3);
        assertThat(attempt.parentSpanId()).isEqualTo(run.spanId());
        assertThat(attempt.spanId()).as("the parent id the provider saw").isEqualTo(sent.spanId());
        JobResult result = JsonSerde.jobResult().fromBytes(tracedResult.value());
        assertThat(attempt.attributes())
                .containsEntry("gen_ai.operation.name", "chat")
                .containsEntry("gen_ai.provider.name", "openai")
                .containsEntry("gen_ai.request.model", "gpt-4o-mini")
                .containsEntry("gen_ai.response.finish_reasons", List.of("stop"))
                .containsEntry("gen_ai.usage.input_tokens", result.usage().promptTokens())
                .containsEntry("gen_ai.usage.output_tokens", result.usage().completionTokens())
                .containsEntry("llmq.deployment", result.deployment())
                .doesNotContainKey("error.type");
        assertThat((String) attempt.attributes().get("gen_ai.response.model")).startsWith("gpt-4o-mini");

        // the job without a trace got one: its run and attempt are exported under the trace the 202 named
        await().atMost(Duration.ofSeconds(15)).until(() -> otlp.spans().stream()
                .filter(s -> s.traceId().equals(started.traceId())).count() >= 3);
    }

    private HttpResponse<String> submit(String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(llmq.httpUrl() + "/v1/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response;
    }

    private static TraceContext echoed(HttpResponse<String> response) {
        return TraceContext.parse(response.headers().firstValue("traceparent").orElse(null), null).orElseThrow();
    }

    private static String jobId(HttpResponse<String> response) throws Exception {
        return Json.mapper().readTree(response.body()).path("id").asText();
    }

    private static TraceContext trace(ConsumerRecord<String, byte[]> record) {
        return TraceContext.parse(header(record, LlmqHeaders.TRACEPARENT), header(record, LlmqHeaders.TRACESTATE))
                .orElseThrow(() -> new AssertionError("no valid traceparent on " + record));
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static <T> T only(List<T> items, Predicate<T> which) {
        List<T> matching = new ArrayList<>(items.stream().filter(which).toList());
        assertThat(matching).as("exactly one of %s", items).hasSize(1);
        return matching.getFirst();
    }
}

package dev.llmq.worker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.schemas.TokenUsage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Jobs, completions and chunks for the worker tests. */
final class TestJobs {

    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final JsonSerde<JobResult> RESULTS = JsonSerde.jobResult();
    static final JsonSerde<StreamChunk> CHUNKS = JsonSerde.streamChunk();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private TestJobs() {
    }

    static JobRequest job(String id, boolean stream) {
        return job(id, stream, null);
    }

    static JobRequest job(String id, boolean stream, Instant deadline) {
        ObjectNode body = NODES.objectNode().put("model", "gpt-4o-mini");
        body.putArray("messages").addObject().put("role", "user").put("content", "say something");
        if (stream) {
            body.put("stream", true);
        }
        return new JobRequest(JobRequest.SCHEMA_VERSION, id, "batch-1", "custom-" + id, "team-a", "gpt-4o-mini", body,
                stream, 0, deadline, List.of("t1"), Map.of("k", "v"), NOW.minusSeconds(5), null);
    }

    /** The words a job answers with: 1 to 12 of them, depending on the job id. */
    static List<String> words(String jobId, int count) {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            words.add((i == 0 ? "" : " ") + jobId + "-w" + i);
        }
        return words;
    }

    static int wordCount(String jobId) {
        return 1 + Math.floorMod(jobId.hashCode(), 12);
    }

    static ObjectNode completion(String jobId, String content) {
        ObjectNode completion = NODES.objectNode().put("id", "chatcmpl-" + jobId).put("object", "chat.completion")
                .put("created", 0).put("model", "mock-model");
        ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content);
        choice.put("finish_reason", "stop");
        completion.putObject("usage").put("prompt_tokens", 3).put("completion_tokens", 5).put("total_tokens", 8);
        return completion;
    }

    static ObjectNode contentChunk(String jobId, String content) {
        ObjectNode chunk = chunkShell(jobId);
        ((ArrayNode) chunk.get("choices")).addObject().put("index", 0).putObject("delta").put("content", content);
        return chunk;
    }

    static ObjectNode roleChunk(String jobId) {
        ObjectNode chunk = chunkShell(jobId);
        ((ArrayNode) chunk.get("choices")).addObject().put("index", 0).putObject("delta").put("role", "assistant")
                .put("content", "");
        return chunk;
    }

    static ObjectNode finishChunk(String jobId) {
        ObjectNode chunk = chunkShell(jobId);
        ObjectNode choice = ((ArrayNode) chunk.get("choices")).addObject().put("index", 0);
        choice.putObject("delta");
        choice.put("finish_reason", "stop");
        return chunk;
    }

    private static ObjectNode chunkShell(String jobId) {
        ObjectNode chunk = NODES.objectNode().put("id", "chatcmpl-" + jobId).put("object", "chat.completion.chunk")
                .put("created", 0).put("model", "mock-model");
        chunk.putArray("choices");
        return chunk;
    }

    static TokenUsage usage() {
        return new TokenUsage(3, 5, 8, 0, 0);
    }

    /** Results by job id, in the order they were read. */
    static Map<String, List<JobResult>> resultsById(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, List<JobResult>> out = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            JobResult result = RESULTS.fromBytes(record.value());
            out.computeIfAbsent(result.jobId(), k -> new ArrayList<>()).add(result);
        }
        return out;
    }

    /** Chunks by job id, in topic order (one job's chunks share a partition). */
    static Map<String, List<StreamChunk>> chunksById(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, List<StreamChunk>> out = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            StreamChunk chunk = CHUNKS.fromBytes(record.value());
            out.computeIfAbsent(chunk.jobId(), k -> new ArrayList<>()).add(chunk);
        }
        return out;
    }

    /** The concatenated content deltas of some chunks. */
    static String reassemble(List<StreamChunk> chunks) {
        StringBuilder text = new StringBuilder();
        for (StreamChunk chunk : chunks) {
            chunk.chunk().path("choices").forEach(choice -> text.append(choice.path("delta").path("content").asText("")));
        }
        return text.toString();
    }

    static String content(JobResult result) {
        return result.response().path("choices").path(0).path("message").path("content").asText();
    }
}

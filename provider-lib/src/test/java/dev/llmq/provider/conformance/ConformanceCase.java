package dev.llmq.provider.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One fixture folder {@code conformance/<provider>/<case>/}. */
record ConformanceCase(String name, Path dir, JsonNode meta) {

    static ConformanceCase load(Path dir) {
        return new ConformanceCase(dir.getFileName().toString(), dir, json(dir.resolve("meta.json")));
    }

    boolean stream() {
        return meta.path("stream").asBoolean(false);
    }

    boolean isError() {
        return meta.has("error");
    }

    Optional<JsonNode> file(String name) {
        Path p = dir.resolve(name);
        return Files.exists(p) ? Optional.of(json(p)) : Optional.empty();
    }

    Optional<byte[]> bytes(String name) {
        Path p = dir.resolve(name);
        try {
            return Files.exists(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ObjectNode request() {
        return (ObjectNode) file("request.canonical.json").orElseThrow();
    }

    List<ObjectNode> events() {
        List<ObjectNode> out = new ArrayList<>();
        String text = new String(bytes("events.jsonl").orElseThrow(), StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                try {
                    out.add((ObjectNode) Json.mapper().readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    ProviderTarget target(URI peerBase) {
        JsonNode t = meta.path("target");
        URI base = URI.create(peerBase + t.path("base_path").asText(""));
        return ProviderTarget.builder(t.path("provider").asText(), t.path("model").asText()).apiBase(base)
                .apiKey(t.path("api_key").asText(null)).apiVersion(t.path("api_version").asText(null))
                .dropParams(t.path("drop_params").asBoolean(ProviderTarget.DEFAULT_DROP_PARAMS)).build();
    }

    Map<String, String> headers(String field) {
        Map<String, String> m = new LinkedHashMap<>();
        meta.at(field).properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    static JsonNode json(Path p) {
        try {
            return Json.mapper().readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}

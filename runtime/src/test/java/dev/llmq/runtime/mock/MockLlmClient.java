package dev.llmq.runtime.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** A tiny test client for the mock server. */
final class MockLlmClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String base;

    MockLlmClient(MockLlmServer server) {
        this.base = server.baseUrl();
    }

    HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    HttpResponse<String> send(String method, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpClient http() {
        return http;
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    /** Splits an SSE body into the data payloads; fails unless every event is {@code data: X\n\n}. */
    static List<String> sseData(String body) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < body.length()) {
            int end = body.indexOf("\n\n", i);
            if (end < 0) {
                throw new AssertionError("unterminated event at offset " + i + ": " + body.substring(i));
            }
            String event = body.substring(i, end);
            if (!event.startsWith("data: ") || event.contains("\n")) {
                throw new AssertionError("not a single data line: " + event);
            }
            out.add(event.substring(6));
            i = end + 2;
        }
        return out;
    }

    static String chatBody(String model, boolean stream, String extra) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"Say hello to the queue please\"}]"
                + (extra == null || extra.isEmpty() ? "" : "," + extra) + "}";
    }
}

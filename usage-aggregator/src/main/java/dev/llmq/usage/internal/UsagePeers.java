package dev.llmq.usage.internal;

import dev.llmq.schemas.Json;
import dev.llmq.usage.UsageApiException;
import dev.llmq.usage.UsageQuery;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks another aggregator instance for its share of a usage answer, on the internal route {@value #PATH}. That route
 * answers from the instance's own partitions and never asks further, so a question travels one hop. Every question
 * carries the internal key ({@code Authorization: Bearer}), the query's {@code tenant} and the {@code x-request-id}
 * of the question it is part of, which the other instance takes for its own answer and log ({@link RequestIds}), so
 * one id names a usage question in every aggregator's log.
 */
public final class UsagePeers {

    /** The internal route: the public route's parameters, answered with a {@link Share}. */
    public static final String PATH = "/internal/v1/usage";
    static final String FORWARDED_BY = "X-Llmq-Forwarded-By";

    private static final Logger LOG = LoggerFactory.getLogger(UsagePeers.class);

    private final HttpClient http;
    private final String scheme;
    private final String instanceId;
    private final Duration timeout;
    private final String authorization;

    /** @param authorization the {@code Authorization} header presented to the others (the internal key) */
    public UsagePeers(String scheme, String instanceId, Duration timeout, String authorization) {
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.authorization = Objects.requireNonNull(authorization, "authorization");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /**
     * The share {@code owner} holds; a failure or a refusal is a 503 (retried by the caller).
     *
     * @param requestId the {@code x-request-id} of the question this share is for, or null for none
     */
    public Share ask(HostInfo owner, UsageQuery query, String requestId) {
        String params = query.parameters().entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        URI uri = URI.create(scheme + "://" + owner.host() + ":" + owner.port() + PATH + "?" + params);
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout).header(FORWARDED_BY, instanceId)
                    .header("Authorization", authorization);
            if (requestId != null) {
                builder.header(RequestIds.HEADER, requestId);
            }
            HttpRequest request = builder.GET().build();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                LOG.debug("usage peer {} answered {} ({} {})", uri, response.statusCode(), RequestIds.HEADER,
                        requestId);
                throw UsageApiException.unavailable("the aggregator instance at " + owner.host() + ":" + owner.port()
                        + " answered " + response.statusCode());
            }
            Share share = Json.mapper().readValue(response.body(), Share.class);
            if (share == null) { // the JSON document null
                throw UsageApiException.unavailable("the aggregator instance at " + owner.host() + ":" + owner.port()
                        + " answered no object");
            }
            return share;
        } catch (IOException e) {
            LOG.debug("usage peer {} unreachable: {}", uri, e.toString());
            throw UsageApiException.unavailable("the aggregator instance at " + owner.host() + ":" + owner.port()
                    + " is unreachable");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw UsageApiException.unavailable("interrupted");
        }
    }
}

package dev.llmq.ingest.internal;

import dev.llmq.config.ApiKeys;
import dev.llmq.config.LlmqKeys;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards {@code GET /v1/usage} to a usage aggregator, which answers from its stores (any instance gives the whole
 * answer, asking its peers itself). The query string goes through as received and the aggregator's status, content
 * type and body come back unchanged, so ingest adds no second reading of the contract; what ingest adds is the
 * parameter check ({@link UsageQuery}) and a 503 {@code usage_unavailable} saying where it looked when no aggregator is
 * configured or it does not answer within the timeout. The question goes with the ingest's {@code x-request-id} for
 * it, which the aggregator takes from the internal key (only), so the aggregator's answer and log carry the id the
 * ingest's log does; the answer comes back with the aggregator's {@code x-request-id} ({@link Answer#requestId}), the
 * one its log names (its own when it did not take the ingest's: no internal key, an older aggregator), so a client's
 * report of it is found there; an answer the ingest made keeps the ingest's.
 *
 * <p>One {@link HttpClient} per ingest instance, shared by every request (as {@link StatusPeers} does for the status
 * store's peers, whose {@link StatusPeers#FORWARDED_BY} header this also sets).
 */
public final class UsageForwarder implements AutoCloseable {

    /** The route, on ingest and on the aggregator. */
    public static final String PATH = "/v1/usage";

    private static final Logger LOG = LoggerFactory.getLogger(UsageForwarder.class);
    private static final String JSON = "application/json";

    /**
     * What the aggregator answered.
     *
     * @param requestId the aggregator's {@code x-request-id} for it, or null when it gave none
     */
    public record Answer(int status, String contentType, byte[] body, String requestId) {
        public Answer {
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
        }
    }

    private final URI aggregator;
    private final String instanceId;
    private final Duration timeout;
    private final String internalKey;
    private final EveryMinute refusals = new EveryMinute(java.time.Clock.systemUTC());
    private final HttpClient http;

    /**
     * @param aggregatorUrl the aggregator's {@code http(s)://host:port}, or null when none is configured (every
     *        query answers 503)
     * @param instanceId this ingest instance, named to the aggregator in {@link StatusPeers#FORWARDED_BY}
     * @param timeout the longest a query waits for the aggregator (connecting and answering)
     * @param internalKey sent as {@code Authorization: Bearer} (the aggregator requires it when API keys are
     *        configured), or null for none
     */
    public UsageForwarder(String aggregatorUrl, String instanceId, Duration timeout, String internalKey) {
        this.internalKey = internalKey;
        this.aggregator = aggregatorUrl == null ? null : URI.create(aggregatorUrl);
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /**
     * Checks the parameters (400 without asking the aggregator) and forwards the raw query string.
     *
     * @param params the decoded query parameters
     * @param rawQuery the query string as received (still URL-encoded), or null
     * @param tenant the only tenant the caller may see, added as {@code tenant=} when not given (403 when another is
     *        given), or null when the caller may ask about any tenant
     */
    public Answer forward(Map<String, List<String>> params, String rawQuery, String tenant) {
        return forward(params, rawQuery, tenant, null);
    }

    /**
     * As {@link #forward(Map, String, String)}, sending {@code requestId} as the question's {@code x-request-id}.
     *
     * @param requestId the ingest's id for this request (its answer's {@code x-request-id}), or null for none
     */
    public Answer forward(Map<String, List<String>> params, String rawQuery, String tenant, String requestId) {
        QueryParameters.decodable(rawQuery); // a pair Javalin could not decode is left out: the default would answer
        UsageQuery query = UsageQuery.parse(params);
        if (tenant != null && query.tenant() != null && !query.tenant().equals(tenant)) {
            throw new ApiException(403, "invalid_request_error", "tenant_not_allowed", UsageQuery.TENANT,
                    "this API key may see only its own tenant's usage; drop 'tenant' or name your own", "forbidden");
        }
        if (tenant != null && query.tenant() == null) {
            String fixed = UsageQuery.TENANT + "=" + URLEncoder.encode(tenant, StandardCharsets.UTF_8);
            rawQuery = rawQuery == null || rawQuery.isEmpty() ? fixed : rawQuery + "&" + fixed;
        }
        if (aggregator == null) {
            throw unavailable("no usage aggregator is configured for this ingest API: set "
                    + LlmqKeys.INGEST_USAGE_URL.name() + " to a usage aggregator's URL (http://host:port), or run "
                    + "llmq standalone, which starts one in process").withoutRetry(); // until reconfigured
        }
        URI uri = aggregator.resolve(PATH + (rawQuery == null || rawQuery.isEmpty() ? "" : "?" + rawQuery));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", JSON)
                .header(StatusPeers.FORWARDED_BY, instanceId).GET();
        if (internalKey != null) {
            request.header("Authorization", ApiKeys.authorization(internalKey));
        }
        if (requestId != null) {
            request.header(ResponseHeaders.REQUEST_ID, requestId);
        }
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 401) {
                // the caller's key was checked here; the aggregator checks this instance's internal key only
                if (refusals.due(aggregator)) { // each usage query meets it: once a minute
                    LOG.warn("usage aggregator {} refused this instance's internal key: {} differs between them",
                            aggregator, LlmqKeys.AUTH_INTERNAL_KEY.name());
                }
                throw unavailable("the usage aggregator at " + aggregator + " refused this ingest instance's internal"
                        + " key: set the same " + LlmqKeys.AUTH_INTERNAL_KEY.name() + " on both").withoutRetry();
            }
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(JSON),
                    response.body(), response.headers().firstValue(ResponseHeaders.REQUEST_ID)
                            .filter(id -> !id.isBlank()).orElse(null));
        } catch (HttpTimeoutException e) {
            LOG.debug("usage aggregator {} timed out: {}", uri, e.toString());
            throw unavailable("the usage aggregator at " + aggregator + " did not answer within "
                    + timeout.toMillis() + " ms; retry shortly, or check " + LlmqKeys.INGEST_USAGE_URL.name());
        } catch (IOException e) {
            LOG.debug("usage aggregator {} unreachable: {}", uri, e.toString());
            throw unavailable("the usage aggregator at " + aggregator + " cannot be reached (" + describe(e)
                    + "); check that it runs and that " + LlmqKeys.INGEST_USAGE_URL.name() + " names it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while asking the usage aggregator at " + aggregator);
        }
    }

    @Override
    public void close() {
        http.close();
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                + e.getMessage();
    }

    /** 503 {@code usage_unavailable}: usage cannot be answered now. */
    static ApiException unavailable(String why) {
        return new ApiException(503, "service_unavailable", "usage_unavailable", null, why, "usage_unavailable");
    }
}

package dev.llmq.ingest.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.llmq.config.ApiKeys;
import dev.llmq.config.LlmqKeys;
import dev.llmq.schemas.BatchManifest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks another ingest instance for the status-store entries it holds, over the internal route {@value #PATH} of its
 * HTTP server. The route answers only from the receiving instance's own partitions and never forwards, so a question
 * travels at most one hop: two instances disagreeing about an owner (during a rebalance) get a 503, never a loop.
 */
final class StatusPeers {

    /** The internal route: {@code POST} a {@link Query}, get an {@link Answer}. */
    static final String PATH = "/internal/v1/status";
    /** Set on every forwarded question, naming the asking instance (for logs). */
    static final String FORWARDED_BY = "X-Llmq-Forwarded-By";

    private static final Logger LOG = LoggerFactory.getLogger(StatusPeers.class);

    private final HttpClient http;
    private final ObjectMapper mapper;
    private final String scheme;
    private final String instanceId;
    private final Duration timeout;
    private final String internalKey;
    private final EveryMinute refusals = new EveryMinute(java.time.Clock.systemUTC());

    /**
     * A question: the snapshots of {@code jobIds}, the job ids indexed under {@code indexKey} (a batch's or an
     * idempotency key's partition key, {@link JobStatusTopology}), those listed for the batch {@code batchId} (with
     * what its first part says it was created from), or the newest batches of the receiving instance's partitions
     * ({@code batches}).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Query(List<String> jobIds, String indexKey, String batchId, Batches batches) {
        Query {
            if ((jobIds != null ? 1 : 0) + (indexKey != null ? 1 : 0) + (batchId != null ? 1 : 0)
                    + (batches != null ? 1 : 0) != 1) {
                throw new IllegalArgumentException("a status query names one of job_ids, an index_key, a batch_id or "
                        + "batches");
            }
            jobIds = jobIds == null ? null : List.copyOf(jobIds);
        }

        static Query jobs(List<String> jobIds) {
            return new Query(jobIds, null, null, null);
        }

        static Query index(String indexKey) {
            return new Query(null, indexKey, null, null);
        }

        static Query listed(String batchId) {
            return new Query(null, null, batchId, null);
        }

        static Query batches(Batches batches) {
            return new Query(null, null, null, batches);
        }
    }

    /**
     * Up to {@code limit} batch ids, newest first, submitted before the batch {@code before} (null: from the newest),
     * of the batches a caller may see: those of {@code tenant}, or every one with {@code allTenants} ({@link Caller}).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Batches(String before, int limit, String tenant, boolean allTenants) {
        Batches {
            if (limit < 1) {
                throw new IllegalArgumentException("limit must be at least 1");
            }
            if (tenant == null && !allTenants) {
                throw new IllegalArgumentException("a question without a tenant is about every tenant");
            }
        }

        /**
         * Whether a batch of {@code batchTenant} may be one of those asked for. A batch whose list entry names no
         * tenant (submitted without one, or listed before parts named it) may be: its jobs decide, as they do for
         * {@code GET /v1/batches/{id}}.
         */
        boolean sees(String batchTenant) {
            return allTenants || batchTenant == null || tenant.equals(batchTenant);
        }
    }

    /**
     * The answer: the snapshots found (absent jobs are left out), the indexed job ids in submission order (a listed
     * batch's with what it was created from and its tenant: null when not from a file or without a tenant, and from
     * an instance older than those fields), or the batch ids asked for, newest first. {@code unread}: the one job or
     * the listed batch asked for, when not found and the answering instance may not have read it yet (empty for a
     * question about several jobs, and from an instance older than the field).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Answer(List<JobSnapshot> jobs, List<String> jobIds, List<String> batchIds,
                  BatchManifest.FileBatch fileBatch, String tenant, List<String> unread) {
        Answer(List<JobSnapshot> jobs, List<String> jobIds, List<String> batchIds) {
            this(jobs, jobIds, batchIds, null, null, null);
        }

        Answer {
            jobs = jobs == null ? List.of() : List.copyOf(jobs);
            jobIds = jobIds == null ? List.of() : List.copyOf(jobIds);
            batchIds = batchIds == null ? List.of() : List.copyOf(batchIds);
            unread = unread == null ? List.of() : List.copyOf(unread);
        }
    }

    /** @param internalKey presented to the other instances as {@code Authorization: Bearer} */
    StatusPeers(ObjectMapper mapper, String scheme, String instanceId, Duration timeout, String internalKey) {
        this.internalKey = Objects.requireNonNull(internalKey, "internalKey");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /** Asks {@code owner}; a failure or a refusal is a 503 for the client, who may retry. */
    Answer ask(HostInfo owner, Query query) {
        URI uri = URI.create(scheme + "://" + owner.host() + ":" + owner.port() + PATH);
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Content-Type", "application/json").header(FORWARDED_BY, instanceId)
                    .header("Authorization", ApiKeys.authorization(internalKey))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(query))).build();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                LOG.debug("status peer {} answered {}: {}", uri, response.statusCode(), new String(response.body()));
                if (response.statusCode() == 401) {
                    if (refusals.due(owner)) { // each lookup it holds meets it: once a minute per peer
                        LOG.warn("status peer {} refused this instance's internal key: {} differs between them", uri,
                                LlmqKeys.AUTH_INTERNAL_KEY.name());
                    }
                    throw unavailable("the ingest instance holding this entry refused this instance's internal key:"
                            + " set the same " + LlmqKeys.AUTH_INTERNAL_KEY.name() + " on every instance");
                }
                throw unavailable("the ingest instance holding this entry answered " + response.statusCode());
            }
            Answer answer = mapper.readValue(response.body(), Answer.class);
            if (answer == null) { // the JSON document null
                LOG.debug("status peer {} answered null", uri);
                throw unavailable("the ingest instance holding this entry answered no object");
            }
            return answer;
        } catch (IOException e) {
            LOG.debug("status peer {} unreachable: {}", uri, e.toString());
            throw unavailable("the ingest instance holding this entry is unreachable");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted");
        }
    }

    /** 503 {@code status_unavailable}: the store cannot answer for this key now. */
    static ApiException unavailable(String why) {
        return new ApiException(503, "service_unavailable", "status_unavailable", null,
                "job status is not available right now (" + why + "); retry shortly", "status_unavailable");
    }
}

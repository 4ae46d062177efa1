package dev.llmq.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.ingest.internal.JobIds;
import dev.llmq.ingest.internal.ParsedJob;
import dev.llmq.ingest.internal.ParsedSubmission;
import dev.llmq.ingest.internal.SubmissionParser;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JsonSerde;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The work {@code POST /v1/jobs} does on a body before Kafka sees it, without HTTP and Kafka, for tools outside this
 * module: the submission benchmark in {@code bench} measures it. The body is parsed, checked against the
 * chat-completion schema and the limits ({@code internal.SubmissionParser}, as the ingest does it), and each job
 * becomes the value of its record on the jobs topic (a {@link JobRequest} with a new id, as JSON).
 */
public final class SubmissionRecords {

    private final SubmissionParser parser;
    private final JobIds ids;
    private final JsonSerde<JobRequest> serde = JsonSerde.jobRequest();

    /** @param modelGroups the model groups a job may name (others are refused, as the ingest refuses them) */
    public SubmissionRecords(ObjectMapper mapper, Set<String> modelGroups) {
        Set<String> groups = Set.copyOf(modelGroups);
        this.parser = new SubmissionParser(mapper, () -> groups);
        this.ids = new JobIds(Clock.systemUTC(), RandomGenerator.of("L64X128MixRandom"));
    }

    /**
     * The number of jobs in a valid body.
     *
     * @param contentType {@code application/x-ndjson} for NDJSON, null or {@code application/json} otherwise
     * @throws RuntimeException the API error the ingest would answer with, when the body is refused
     */
    public int validate(byte[] body, String contentType, Instant now) {
        return parser.parse(body, contentType, now).jobs().size();
    }

    /** {@link #validate}, then the value of each job's record, in submission order. */
    public List<byte[]> records(byte[] body, String contentType, String tenant, Instant now) {
        ParsedSubmission parsed = parser.parse(body, contentType, now);
        String batchId = parsed.multi() ? ids.nextBatchId() : null;
        List<byte[]> values = new ArrayList<>(parsed.jobs().size());
        for (ParsedJob job : parsed.jobs()) {
            values.add(serde.toBytes(job.request(ids.nextJobId(), batchId, tenant, now, null)));
        }
        return values;
    }
}

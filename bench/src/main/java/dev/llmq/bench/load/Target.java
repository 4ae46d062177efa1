package dev.llmq.bench.load;

import java.net.URI;
import java.util.Objects;

/**
 * What the load generator drives: the HTTP request number {@code seq} of a run, and which status means success.
 * Request {@code seq} carries jobs {@code firstJob + seq * jobsPerRequest} onwards, each body built by
 * {@link JobBodies} (so its prompt names its job number).
 */
public sealed interface Target {

    /** The whole HTTP/1.1 request (head and body) for request {@code seq} of a run. */
    byte[] request(long seq);

    /** Jobs (chat completions) each request carries. */
    int jobsPerRequest();

    /** Whether {@code status} is this target's success. */
    boolean success(int status);

    /** {@code http://host:port[/prefix]} the requests go to. */
    URI base();

    /** The number of the first job of request {@code seq}. */
    long firstJob(long seq);

    /**
     * llmq's ingest API, {@code POST <base>/v1/jobs}: one job as JSON ({@code jobsPerRequest} 1) or NDJSON of
     * {@code jobsPerRequest} lines; success is 202 (the body lists the job ids, see {@link SubmittedJobs}).
     *
     * @param apiKey sent as {@code Authorization: Bearer}; null or empty for none
     * @param idempotencyKeys null for none; else every request carries an {@code Idempotency-Key} of its own, this
     *        prefix, a dash and the number of its first job (what a client that retries safely sends)
     */
    record LlmqIngest(URI base, JobBodies bodies, int jobsPerRequest, String apiKey, long jobOffset,
                      String idempotencyKeys) implements Target {

        public LlmqIngest {
            Objects.requireNonNull(base, "base");
            Objects.requireNonNull(bodies, "bodies");
            if (jobsPerRequest < 1) {
                throw new IllegalArgumentException("jobsPerRequest must be >= 1, got " + jobsPerRequest);
            }
        }

        /** Requests without an {@code Idempotency-Key}. */
        public LlmqIngest(URI base, JobBodies bodies, int jobsPerRequest, String apiKey, long jobOffset) {
            this(base, bodies, jobsPerRequest, apiKey, jobOffset, null);
        }

        /** The same requests for jobs numbered from {@code offset}. */
        public LlmqIngest from(long offset) {
            return new LlmqIngest(base, bodies, jobsPerRequest, apiKey, offset, idempotencyKeys);
        }

        @Override
        public byte[] request(long seq) {
            int bodyBytes = jobsPerRequest * bodies.bodyBytes() + (jobsPerRequest - 1);
            long first = firstJob(seq);
            byte[] head = HttpConnection.postHead(base, path(base, "/v1/jobs"),
                    jobsPerRequest == 1 ? "application/json" : "application/x-ndjson", bodyBytes, apiKey,
                    idempotencyKeys == null ? null : idempotencyKeys + "-" + first);
            byte[] request = new byte[head.length + bodyBytes];
            System.arraycopy(head, 0, request, 0, head.length);
            int at = head.length;
            for (int j = 0; j < jobsPerRequest; j++) {
                if (j > 0) {
                    request[at++] = '\n';
                }
                at = bodies.write(first + j, request, at);
            }
            return request;
        }

        @Override
        public boolean success(int status) {
            return status == 202;
        }

        @Override
        public long firstJob(long seq) {
            return jobOffset + seq * jobsPerRequest;
        }
    }

    /**
     * An OpenAI-compatible server, {@code POST <base>/v1/chat/completions} (non-streaming), one job per request;
     * success is 200. The same bodies as llmq gets, so a synchronous gateway in front of the same mock is measured
     * with the same tool.
     */
    record OpenAiChat(URI base, JobBodies bodies, String apiKey, long jobOffset) implements Target {

        public OpenAiChat {
            Objects.requireNonNull(base, "base");
            Objects.requireNonNull(bodies, "bodies");
        }

        @Override
        public byte[] request(long seq) {
            byte[] head = HttpConnection.postHead(base, path(base, "/v1/chat/completions"), "application/json",
                    bodies.bodyBytes(), apiKey, null);
            byte[] request = new byte[head.length + bodies.bodyBytes()];
            System.arraycopy(head, 0, request, 0, head.length);
            bodies.write(firstJob(seq), request, head.length);
            return request;
        }

        @Override
        public int jobsPerRequest() {
            return 1;
        }

        @Override
        public boolean success(int status) {
            return status == 200;
        }

        @Override
        public long firstJob(long seq) {
            return jobOffset + seq;
        }
    }

    private static String path(URI base, String suffix) {
        String prefix = base.getRawPath() == null ? "" : base.getRawPath();
        return (prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix) + suffix;
    }
}

package dev.llmq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Print a streaming job's tokens as they arrive (from the start if it already began); a job "
                + "submitted without \"stream\": true prints its answer once it ends.",
                "When the job starts again (a retry, a fallback or another worker), the text so far is ended by a "
                        + "line break, a note goes to stderr and the new run's text follows from its start.",
                "A job that fails, expires or is cancelled has its error said on stderr, and the exit status is 1."})
final class TailCommand implements Callable<Integer> {

    /** A job's statuses once it has ended. */
    private static final Set<String> ENDED = Set.of("succeeded", "failed", "cancelled", "expired");
    /** How often a job without a stream is asked whether it ended. */
    private static final Duration POLL = Duration.ofMillis(500);

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID", arity = "0..1",
            description = "the job's id (job_…), as `llmq status` takes it")
    String positionalId;

    @Option(names = "--job", paramLabel = "JOB_ID", description = "the job's id, instead of JOB_ID")
    String optionId;

    /** The job to follow, given as JOB_ID or {@code --job} (the older form). */
    private String jobId;

    @Mixin
    ApiUrl api;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        jobId = jobId();
        IngestClient client = api.client();
        JsonNode job = client.job(jobId);
        if (!job.path("stream").asBoolean(true)) {
            return printWhenEnded(client, job, out, err);
        }
        // the relay's last event before [DONE] for a job that failed, expired or was cancelled, or one that stayed
        // open too long: {"error": {...}}
        AtomicReference<JsonNode> error = new AtomicReference<>();
        client.stream(jobId, chunk -> {
            if (chunk.has("error")) {
                error.set(chunk.path("error"));
            }
            chunk.path("choices").forEach(choice -> {
                String text = choice.path("delta").path("content").asText("");
                if (!text.isEmpty()) {
                    out.print(text);
                    out.flush();
                }
            });
        }, run -> {
            // what was printed belongs to a run that was given up: the new run's text starts on a line of its own
            out.println();
            out.flush();
            err.println("llmq tail: the job started again (a retry, a fallback or another worker); its text follows "
                    + "from the start");
            err.flush();
        });
        out.println();
        out.flush();
        if (error.get() != null) {
            String code = error.get().path("code").asText("");
            err.println("llmq tail: job " + jobId + ": " + error.get().path("message").asText()
                    + (code.isEmpty() ? "" : " (" + code + ")"));
            err.flush();
            return 1;
        }
        return 0;
    }

    /** The id given as JOB_ID or {@code --job}: one of them, or both the same. */
    private String jobId() {
        if (positionalId == null && optionId == null) {
            throw new ParameterException(spec.commandLine(), "Missing required parameter: 'JOB_ID'");
        }
        if (positionalId != null && optionId != null && !positionalId.equals(optionId)) {
            throw new ParameterException(spec.commandLine(), "two job ids given (" + positionalId + " and --job "
                    + optionId + "): tail follows one job");
        }
        return positionalId != null ? positionalId : optionId;
    }

    private static boolean ended(JsonNode job) {
        return ENDED.contains(job.path("status").asText());
    }

    /** A job submitted without {@code "stream": true} has no tokens to follow: its answer, once it ends. */
    private int printWhenEnded(IngestClient client, JsonNode found, PrintWriter out, PrintWriter err)
            throws Exception {
        AtomicReference<JsonNode> latest = new AtomicReference<>(found);
        if (!ended(found)) {
            Repeat.every(POLL, () -> {
                latest.set(client.job(jobId));
                return !ended(latest.get());
            });
        }
        JsonNode job = latest.get();
        String status = job.path("status").asText();
        if (!status.equals("succeeded")) {
            err.println("llmq tail: job " + jobId + " " + status + ": " + job.path("error").path("message").asText());
            err.flush();
            return 1;
        }
        job.path("result").path("choices").forEach(choice -> out.println(choice.path("message").path("content")
                .asText("")));
        out.flush();
        return 0;
    }
}

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
import picocli.CommandLine.Spec;

@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Print a streaming job's tokens as they arrive (from the start if it already began); a job "
                + "submitted without \"stream\": true prints its answer once it ends.",
                "When the job starts again (a retry, a fallback or another worker), the text so far is ended by a "
                        + "line break, a note goes to stderr and the new run's text follows from its start."})
final class TailCommand implements Callable<Integer> {

    /** A job's statuses once it has ended. */
    private static final Set<String> ENDED = Set.of("succeeded", "failed", "cancelled", "expired");
    /** How often a job without a stream is asked whether it ended. */
    private static final Duration POLL = Duration.ofMillis(500);

    @Spec
    CommandSpec spec;

    @Option(names = "--job", required = true, paramLabel = "JOB_ID")
    String jobId;

    @Mixin
    ApiUrl api;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        IngestClient client = api.client();
        JsonNode job = client.job(jobId);
        if (!job.path("stream").asBoolean(true)) {
            return printWhenEnded(client, job, out, err);
        }
        client.stream(jobId, chunk -> {
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
        return 0;
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

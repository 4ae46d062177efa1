package dev.llmq.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Print a streaming job's tokens as they arrive (from the start if it already began).",
                "When the job starts again (a retry, a fallback or another worker), the text so far is ended by a "
                        + "line break, a note goes to stderr and the new run's text follows from its start."})
final class TailCommand implements Callable<Integer> {

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
        api.client().stream(jobId, chunk -> {
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
}

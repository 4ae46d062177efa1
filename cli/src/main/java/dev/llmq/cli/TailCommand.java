package dev.llmq.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "tail", mixinStandardHelpOptions = true,
        description = "Print a streaming job's tokens as they arrive (from the start if it already began).")
final class TailCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--job", required = true, paramLabel = "JOB_ID")
    String jobId;

    @Option(names = "--url", defaultValue = "${env:LLMQ_URL:-http://127.0.0.1:4000}",
            description = "llmq's HTTP address (default: ${DEFAULT-VALUE}, or LLMQ_URL)")
    URI url;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        new IngestClient(url).stream(jobId, chunk -> {
            chunk.path("choices").forEach(choice -> {
                String text = choice.path("delta").path("content").asText("");
                if (!text.isEmpty()) {
                    out.print(text);
                    out.flush();
                }
            });
        });
        out.println();
        out.flush();
        return 0;
    }
}

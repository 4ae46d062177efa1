package dev.llmq.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    ApiUrl api;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        api.client().stream(jobId, chunk -> {
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

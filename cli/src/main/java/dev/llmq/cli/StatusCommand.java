package dev.llmq.cli;

import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Print a job's status and result as JSON.")
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Option(names = "--url", defaultValue = "${env:LLMQ_URL:-http://127.0.0.1:4000}",
            description = "llmq's HTTP address (default: ${DEFAULT-VALUE}, or LLMQ_URL)")
    URI url;

    @Override
    public Integer call() throws Exception {
        var job = new IngestClient(url).job(jobId);
        spec.commandLine().getOut().println(dev.llmq.schemas.Json.mapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(job));
        return 0;
    }
}

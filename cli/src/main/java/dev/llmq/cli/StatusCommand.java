package dev.llmq.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Print a job's status and result as JSON.")
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Mixin
    ApiUrl api;

    @Override
    public Integer call() throws Exception {
        var job = api.client().job(jobId);
        spec.commandLine().getOut().println(dev.llmq.schemas.Json.mapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(job));
        return 0;
    }
}

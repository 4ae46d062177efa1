package dev.llmq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Print a job's status and result, or a batch's status and counts, as JSON.")
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID|BATCH_ID", description = "a job id (job_…) or a batch id (batch_…)")
    String id;

    @Mixin
    ApiUrl api;

    @Override
    public Integer call() throws Exception {
        IngestClient client = api.client();
        JsonNode answer = IngestClient.isBatchId(id) ? client.batchView(id) : client.job(id);
        spec.commandLine().getOut().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(answer));
        return 0;
    }
}

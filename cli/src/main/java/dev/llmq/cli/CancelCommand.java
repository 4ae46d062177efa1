package dev.llmq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = {"Cancel jobs, or every unfinished job of batches.",
            "Returns once llmq has the request; the workers then skip the queued jobs and stop the running ones"
                    + " (a job that ends first keeps its result). `llmq status ID` shows the outcome."})
final class CancelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB_ID|BATCH_ID", arity = "1..*",
            description = "job ids (job_…) or batch ids (batch_…), such as every batch id `llmq submit` printed")
    List<String> ids;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept in each cancelled job's error")
    String reason;

    @Mixin
    ApiUrl api;

    @Override
    public Integer call() throws Exception {
        IngestClient client = api.client();
        int refused = 0;
        for (String id : ids) {
            JsonNode answer;
            try {
                answer = client.cancel(id, reason);
            } catch (IngestClient.ApiException e) {
                // one finished or unknown id does not keep the others from being cancelled
                spec.commandLine().getErr().println("llmq cancel: " + id + ": " + e.getMessage());
                refused++;
                continue;
            }
            String what = IngestClient.isBatchId(id)
                    ? "batch " + id + " (" + Words.count(answer.path("total").asLong(), "job") + ")" : "job " + id;
            spec.commandLine().getOut().println("cancel requested for " + what + "; status "
                    + answer.path("status").asText() + " (`llmq status " + id + "` shows the outcome)");
        }
        return refused == 0 ? 0 : 1;
    }
}

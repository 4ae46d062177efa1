package dev.llmq.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "results", mixinStandardHelpOptions = true,
        description = {"Write the OpenAI batch-output lines of batches to a file or stdout: each batch's in submission "
                + "order, the batches in the order given (give every id `llmq submit` printed, in its order, for the "
                + "file's input order).",
                "Jobs not ended yet have no line: --wait waits for them first, showing progress."})
final class ResultsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "BATCH_ID", arity = "1..*", description = "batch ids (batch_…)")
    List<String> batchIds;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.jsonl",
            description = "write the lines here (it appears once complete) instead of stdout")
    Path output;

    @Option(names = "--wait", description = "wait until every job of the batches has ended, showing progress")
    boolean await;

    @Mixin
    ApiUrl api;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        IngestClient client = api.client();
        long start = System.nanoTime();
        // every batch is looked up before a line is written: a wrong id is said at once, and the file is not begun
        List<BatchRunner.Batch> batches = new ArrayList<>();
        long jobs = 0;
        long unfinished = 0;
        boolean refused = false;
        for (String id : batchIds) {
            try {
                IngestClient.BatchCounts counts = client.batch(id);
                batches.add(new BatchRunner.Batch(id, counts.total()));
                jobs += counts.total();
                unfinished += counts.total() - counts.done();
            } catch (IngestClient.ApiException e) {
                err.println("llmq results: " + id + ": " + e.getMessage());
                refused = true;
            }
        }
        if (refused) {
            return 1;
        }
        BatchRunner runner = new BatchRunner(client, 1, System.err);
        if (await && unfinished > 0) {
            runner.await(batches, jobs, true, start);
        } else if (unfinished > 0) {
            err.println("llmq results: " + unfinished + " of " + Words.count(jobs, "job")
                    + (unfinished == 1 ? " has not ended yet and has" : " have not ended yet and have")
                    + " no line (--wait waits for them)");
        }
        try {
            if (output == null) {
                runner.writeResults(batchIds, out);
                out.flush();
            } else {
                long written = runner.writeResults(batchIds, output);
                err.println("llmq results: wrote " + Words.count(written, "line") + " to " + output);
            }
        } catch (IngestClient.ApiException e) {
            out.flush();
            err.println("llmq results: " + e.getMessage());
            return 1;
        }
        return 0;
    }
}

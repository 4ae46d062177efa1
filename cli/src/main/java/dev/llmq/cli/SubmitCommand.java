package dev.llmq.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Submit a file of OpenAI batch-input lines (custom_id, method, url, body) to a running llmq.")
final class SubmitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE.jsonl", description = "OpenAI batch-input lines, one JSON object per line")
    Path file;

    @Mixin
    ApiUrl api;

    @Option(names = "--wait", description = "wait for every result, showing progress")
    boolean await;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.jsonl",
            description = "write OpenAI batch-output lines in input order (implies --wait)")
    Path output;

    @Option(names = "--slice", defaultValue = "2000",
            description = "lines per all-or-nothing submission (default: ${DEFAULT-VALUE})")
    int slice;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(file)) {
            err.println("llmq submit: no such file: " + file);
            return 2;
        }
        long start = System.nanoTime();
        BatchRunner runner = new BatchRunner(api.client(), slice, System.err);
        BatchRunner.Submitted submitted = runner.submitFile(file);
        if (submitted.jobs() == 0) {
            err.println("llmq submit: " + file + " has no lines");
            return 2;
        }
        List<IngestClient.Submission> submissions = submitted.submissions();
        // the batch ids separated by spaces, as `llmq cancel` and `llmq status` take them
        out.printf("submitted %s in %s: %s%n", Words.count(submitted.jobs(), "job"),
                Words.count(submissions.size(), "submission"),
                String.join(" ", submissions.stream().map(IngestClient.Submission::batchId).toList()));
        if (!await && output == null) {
            err.println("llmq submit: not waiting for them: `llmq status BATCH_ID` shows a batch's progress, "
                    + "`llmq results BATCH_ID... -o OUT.jsonl --wait` writes their output lines in input order");
            return 0;
        }
        List<String> ids = submissions.stream().map(IngestClient.Submission::batchId).toList();
        Thread interrupted = new Thread(() -> {
            err.println();
            err.println(stoppedWaiting(ids, output));
            err.flush();
        }, "llmq-submit-interrupted");
        Runtime.getRuntime().addShutdownHook(interrupted); // Ctrl-C while waiting: the jobs go on, say so
        try {
            BatchRunner.Run run = runner.await(BatchRunner.batches(submissions), submitted.jobs(), true, start);
            out.printf("%s in %.1f s%n", run.outcome(), run.elapsed().toMillis() / 1000.0);
            if (output != null) {
                long written = runner.writeResults(ids, output);
                out.printf("wrote %s to %s%n", Words.count(written, "result line"), output);
            }
            out.flush();
            return run.unsuccessful() == 0 ? 0 : 1;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(interrupted);
            } catch (IllegalStateException stopping) {
                // the JVM is shutting down: the hook runs
            }
        }
    }

    /** What a Ctrl-C while waiting leaves: the jobs were submitted and go on; how to get their output or stop them. */
    static String stoppedWaiting(List<String> batchIds, Path output) {
        String ids = String.join(" ", batchIds);
        return "llmq submit: stopped waiting; the jobs were submitted and go on in llmq"
                + (output == null ? "" : " (" + output + " may be incomplete)") + ": `llmq results " + ids
                + " -o OUT.jsonl --wait` writes their output lines once they end, `llmq cancel " + ids
                + "` stops them";
    }
}

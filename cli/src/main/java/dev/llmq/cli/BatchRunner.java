package dev.llmq.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Submits batch-input lines in all-or-nothing slices, waits for their results with a progress bar, and writes
 * OpenAI batch-output lines in input order.
 */
final class BatchRunner {

    /** The outcome of one run. */
    record Run(List<IngestClient.Submission> submissions, long jobs, long succeeded, long failed, Duration elapsed) {
        Run {
            submissions = List.copyOf(submissions);
        }
    }

    private final IngestClient client;
    private final int sliceSize;
    private final PrintStream err;

    BatchRunner(IngestClient client, int sliceSize, PrintStream err) {
        if (sliceSize < 1) {
            throw new IllegalArgumentException("slice size must be >= 1");
        }
        this.client = client;
        this.sliceSize = sliceSize;
        this.err = err;
    }

    static List<String> readLines(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }

    List<IngestClient.Submission> submit(List<String> lines) throws IOException, InterruptedException {
        List<IngestClient.Submission> submissions = new ArrayList<>();
        for (int from = 0; from < lines.size(); from += sliceSize) {
            List<String> slice = lines.subList(from, Math.min(lines.size(), from + sliceSize));
            try {
                submissions.add(client.submitNdjson(slice));
            } catch (IngestClient.ApiException e) {
                String rejected = slice.size() == 1 ? "line " + (from + 1) + " was"
                        : "lines " + (from + 1) + "–" + (from + slice.size()) + " were";
                throw new IOException(rejected + " rejected (" + e.getMessage() + "); " + from + " earlier "
                        + (from == 1 ? "line was" : "lines were") + " submitted", e);
            }
        }
        return submissions;
    }

    /** Polls until every job of the submissions has a terminal status, showing progress when asked. */
    Run await(List<IngestClient.Submission> submissions, long jobs, boolean progress, long startNanos)
            throws IOException, InterruptedException {
        ProgressBar bar = progress ? new ProgressBarBuilder()
                .setTaskName("jobs")
                .setInitialMax(jobs)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(err))
                .build() : null;
        try {
            while (true) {
                long succeeded = 0;
                long failed = 0;
                long done = 0;
                for (IngestClient.Submission submission : submissions) {
                    IngestClient.BatchCounts counts = client.batch(submission.batchId());
                    succeeded += counts.succeeded();
                    failed += counts.failed() + counts.other();
                    done += counts.done();
                }
                if (bar != null) {
                    bar.stepTo(done);
                    bar.setExtraMessage(failed > 0 ? failed + " failed" : "");
                }
                if (done >= jobs) {
                    return new Run(submissions, jobs, succeeded, failed,
                            Duration.ofNanos(System.nanoTime() - startNanos));
                }
                Thread.sleep(250);
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
    }

    /** Writes the batch-output lines of every submission, in input order, to {@code out}. */
    long writeResults(List<IngestClient.Submission> submissions, Path out) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>();
        for (IngestClient.Submission submission : submissions) {
            all.addAll(client.batchResults(submission.batchId()));
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        Files.write(tmp, all, StandardCharsets.UTF_8);
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return all.size();
    }
}

package dev.llmq.cli;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    record Run(long jobs, long succeeded, long failed, long cancelled, long expired, Duration elapsed) {

        /** Jobs that ended without a completion: failed, cancelled or expired. */
        long unsuccessful() {
            return failed + cancelled + expired;
        }

        /** {@code 990 succeeded, 4 failed, 6 cancelled}: cancelled and expired only when there are some. */
        String outcome() {
            return succeeded + " succeeded, " + failed + " failed" + (cancelled > 0 ? ", " + cancelled + " cancelled"
                    : "") + (expired > 0 ? ", " + expired + " expired" : "");
        }
    }

    /** The shortest pause between two rounds of polling the batches not ended. */
    static final Duration MIN_PAUSE = Duration.ofMillis(250);
    /** The longest pause between two rounds. */
    static final Duration MAX_PAUSE = Duration.ofSeconds(5);

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

    /** The submissions of a run and the jobs they hold. */
    record Submitted(List<IngestClient.Submission> submissions, long jobs) {
        Submitted {
            submissions = List.copyOf(submissions);
        }
    }

    /**
     * Submits the non-blank lines of {@code file} a slice at a time, reading the next slice only once the last one
     * was accepted: a file of millions of lines is never held whole (only the job ids the ingest answered).
     *
     * @throws IOException a rejected slice (naming the lines submitted before it), or bytes that are not UTF-8
     */
    Submitted submitFile(Path file) throws IOException, InterruptedException {
        Slices slices = new Slices();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    slices.add(line);
                }
            }
        } catch (CharacterCodingException e) {
            // the reader decodes ahead of the lines it hands out, so the line is not known
            throw new IOException(file + " is not UTF-8 text; " + slices.earlier(), e);
        }
        return slices.finish();
    }

    /** Submits {@code lines} in slices; see {@link #submitFile}. */
    List<IngestClient.Submission> submit(List<String> lines) throws IOException, InterruptedException {
        Slices slices = new Slices();
        for (String line : lines) {
            slices.add(line);
        }
        return slices.finish().submissions();
    }

    /** Lines gathered into slices of {@link #sliceSize}, each submitted once full. */
    private final class Slices {
        private final List<IngestClient.Submission> submissions = new ArrayList<>();
        private final List<String> slice = new ArrayList<>();
        private long submitted;

        void add(String line) throws IOException, InterruptedException {
            slice.add(line);
            if (slice.size() == sliceSize) {
                flush();
            }
        }

        Submitted finish() throws IOException, InterruptedException {
            flush();
            return new Submitted(submissions, submitted);
        }

        private void flush() throws IOException, InterruptedException {
            if (slice.isEmpty()) {
                return;
            }
            try {
                submissions.add(client.submitNdjson(slice, notice -> err.println("llmq: " + range() + ": "
                        + notice)));
            } catch (IngestClient.ApiException e) {
                String why = e.status() == 413 ? ": " + tooLarge(slice, submitted + 1, e.getMessage()) : "";
                throw new IOException(lines() + " rejected (" + e.getMessage() + ")" + why + "; " + earlier(), e);
            } catch (IOException e) {
                // llmq unreachable after the retries: the slice may have gone in with an answer that was lost
                throw new IOException(lines() + " not confirmed (" + e.getMessage() + "); " + earlier(), e);
            }
            submitted += slice.size();
            slice.clear();
        }

        /** {@code lines 1–2000}: the slice being submitted. */
        private String range() {
            return slice.size() == 1 ? "line " + (submitted + 1)
                    : "lines " + (submitted + 1) + "–" + (submitted + slice.size());
        }

        /** The lines of the slice being submitted, numbered from the file's first non-blank line. */
        private String lines() {
            return range() + (slice.size() == 1 ? " was" : " were");
        }

        /**
         * What went in before a failure, with the batch ids: those jobs run, and {@code llmq cancel} or
         * {@code llmq status} need the ids.
         */
        String earlier() {
            if (submitted == 0) {
                return "nothing was submitted";
            }
            return submitted + " earlier " + (submitted == 1 ? "line was" : "lines were") + " submitted as "
                    + String.join(" ", submissions.stream().map(IngestClient.Submission::batchId).toList());
        }
    }

    /** The body limit in the ingest's 413: {@code … larger than the limit of 10485760 bytes …}. */
    private static final Pattern BODY_LIMIT = Pattern.compile("limit of (\\d{1,18}) bytes");
    /** The lines named at most when several are over the limit. */
    private static final int LINES_NAMED = 3;

    /**
     * Which lines of a slice the ingest refused as too large (413) made it so: those longer than the limit the
     * message states, else (every line fits) the slice as a whole, else (no limit in the message) its longest line.
     *
     * @param first the number of the slice's first line
     */
    static String tooLarge(List<String> slice, long first, String message) {
        long[] bytes = slice.stream().mapToLong(line -> line.getBytes(StandardCharsets.UTF_8).length).toArray();
        Matcher limit = BODY_LIMIT.matcher(message);
        if (!limit.find()) {
            int longest = 0;
            for (int i = 1; i < bytes.length; i++) {
                longest = bytes[i] > bytes[longest] ? i : longest;
            }
            return "the longest is line " + (first + longest) + " (" + number(bytes[longest]) + " bytes)";
        }
        long max = Long.parseLong(limit.group(1));
        List<String> over = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] + 1 > max) { // each line goes with its line end
                over.add("line " + (first + i) + " is " + number(bytes[i]) + " bytes");
            }
        }
        if (over.isEmpty()) {
            long body = Arrays.stream(bytes).map(b -> b + 1).sum();
            return "the " + Words.count(slice.size(), "line") + " are " + number(body) + " bytes together, over the "
                    + "ingest's limit of " + number(max) + ": a smaller --slice sends fewer at a time";
        }
        String named = String.join(", ", over.subList(0, Math.min(LINES_NAMED, over.size())))
                + (over.size() > LINES_NAMED ? " and " + (over.size() - LINES_NAMED) + " more" : "");
        return named + ", over the ingest's limit of " + number(max);
    }

    /** {@code 12,000,000}. */
    private static String number(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A batch to wait for: its id and how many jobs it has. */
    record Batch(String id, long jobs) {
    }

    /** The batches of these submissions, in their order. */
    static List<Batch> batches(List<IngestClient.Submission> submissions) {
        return submissions.stream().map(s -> new Batch(s.batchId(), s.jobIds().size())).toList();
    }

    /** Jobs not ended that add {@link #MIN_PAUSE} to the pause between two rounds. */
    static final long JOBS_PER_STEP = 5_000;

    /**
     * The pause after a round of polling while {@code notEnded} jobs have not ended: {@link #MIN_PAUSE} per
     * {@link #JOBS_PER_STEP} of them, up to {@link #MAX_PAUSE}. Counting a batch costs the ingest a read of each of its
     * jobs not ended (about 8 µs each): the 50 batches of a file of 100,000 lines polled every 250 ms kept an ingest
     * core busy and slowed the store the counts come from. (Pausing by how long a round took instead was thrown off
     * by the first, cold rounds: the demo's thousand jobs took 11 s to be seen done instead of 6.)
     */
    static Duration pause(long notEnded) {
        long steps = Math.max(1, (notEnded + JOBS_PER_STEP - 1) / JOBS_PER_STEP);
        Duration pause = MIN_PAUSE.multipliedBy(steps);
        return pause.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause;
    }

    /** Polls until every job of the batches has a terminal status, showing progress when asked. */
    Run await(List<Batch> batches, long jobs, boolean progress, long startNanos)
            throws IOException, InterruptedException {
        ProgressBar bar = progress ? new ProgressBarBuilder()
                .setTaskName("jobs")
                .setInitialMax(jobs)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(err))
                .build() : null;
        // a batch whose jobs have all ended does not change: asked once, not at every round (hundreds of batches
        // for a file of a million lines)
        Map<String, IngestClient.BatchCounts> ended = new HashMap<>();
        try {
            while (true) {
                long succeeded = 0;
                long failed = 0;
                long cancelled = 0;
                long expired = 0;
                long done = 0;
                for (Batch batch : batches) {
                    IngestClient.BatchCounts counts = ended.get(batch.id());
                    if (counts == null) {
                        counts = client.batch(batch.id());
                        if (counts.done() >= batch.jobs()) {
                            ended.put(batch.id(), counts);
                        }
                    }
                    succeeded += counts.succeeded();
                    failed += counts.failed();
                    cancelled += counts.cancelled();
                    expired += counts.expired();
                    done += counts.done();
                }
                if (bar != null) {
                    bar.stepTo(done);
                    long unsuccessful = failed + cancelled + expired;
                    bar.setExtraMessage(unsuccessful > 0 ? unsuccessful + " did not succeed" : "");
                }
                if (done >= jobs) {
                    return new Run(jobs, succeeded, failed, cancelled, expired,
                            Duration.ofNanos(System.nanoTime() - startNanos));
                }
                Thread.sleep(pause(jobs - done).toMillis());
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
    }

    /**
     * Writes the batch-output lines of the batches, in their order (each batch's in submission order), to
     * {@code out}: for the submissions of one file, its input order.
     */
    long writeResults(List<String> batchIds, Path out) throws IOException, InterruptedException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        long written = 0;
        // line by line as llmq sends them, so the output is never held whole; it appears under its name only once
        // complete
        try (BufferedWriter writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            written = writeResults(batchIds, writer);
        } catch (IOException | InterruptedException | RuntimeException e) {
            Files.deleteIfExists(tmp); // an incomplete output is never left behind, under either name
            throw e;
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return written;
    }

    /** As {@link #writeResults(List, Path)}, to {@code out} (not closed); returns how many lines. */
    long writeResults(List<String> batchIds, Writer out) throws IOException, InterruptedException {
        long[] written = {0};
        for (String batchId : batchIds) {
            client.batchResults(batchId, line -> {
                out.write(line);
                out.write(System.lineSeparator());
                written[0]++;
            });
        }
        return written[0];
    }
}

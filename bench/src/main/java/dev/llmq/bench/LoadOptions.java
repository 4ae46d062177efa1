package dev.llmq.bench;

import dev.llmq.bench.load.LoadResult;
import dev.llmq.bench.load.LoadSpec;
import java.time.Duration;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The load options the scenarios share (a picocli mixin): open loop ({@code --rate}) or closed loop
 * ({@code --concurrency}), bounded by {@code --duration} and {@code --max-requests} after a {@code --warmup}; and the
 * figures of a {@link LoadResult} as {@link BenchTable} rows.
 */
final class LoadOptions {

    @Option(names = "--rate", description = "open loop: requests per second (exclusive with --concurrency)")
    Double rate;

    @Option(names = "--concurrency", description = "closed loop: requests outstanding at once (e2e: jobs between "
            + "submission and result) (exclusive with --rate)")
    Integer concurrency;

    @Option(names = "--connections", defaultValue = "64",
            description = "open loop: connections kept open (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--duration", description = "measured seconds (default: load 20, e2e 60)")
    Integer durationOption;

    @Option(names = "--warmup", description = "seconds of the same load before measuring (default: load 5, e2e 180)")
    Integer warmupOption;

    @Option(names = "--max-requests",
            description = "at most this many requests in the measured run (default: load 10,000,000; e2e 600,000 "
                    + "jobs' worth, 600,000 / --jobs-per-request)")
    Long maxRequestsOption;

    /** The command's defaults for the three options above (not options themselves: picocli leaves them alone). */
    int durationSeconds = 20;
    int warmupSeconds = 5;
    long maxRequests = 10_000_000;

    @Option(names = "--jobs-per-request", defaultValue = "1",
            description = "llmq target: jobs per POST, NDJSON when above 1 (default: ${DEFAULT-VALUE})")
    int jobsPerRequest;

    @Option(names = "--job-bytes", defaultValue = "1024",
            description = "size of each job's JSON body (default: ${DEFAULT-VALUE})")
    int jobBytes;

    /** The measured run's spec; {@code defaultConcurrency} when neither loop is given (0: one must be). */
    LoadSpec spec(int defaultConcurrency) {
        durationSeconds = durationOption != null ? durationOption : durationSeconds;
        warmupSeconds = warmupOption != null ? warmupOption : warmupSeconds;
        maxRequests = maxRequestsOption != null ? maxRequestsOption : maxRequests;
        if (rate != null && concurrency != null) {
            throw new ParameterException(new picocli.CommandLine(this), "--rate and --concurrency exclude each other");
        }
        Duration duration = Duration.ofSeconds(durationSeconds);
        if (rate != null) {
            return LoadSpec.open(rate, connections, duration, maxRequests);
        }
        int c = concurrency != null ? concurrency : defaultConcurrency;
        if (c < 1) {
            throw new ParameterException(new picocli.CommandLine(this), "give --rate or --concurrency");
        }
        return LoadSpec.closed(c, duration, maxRequests);
    }

    /** The warm-up's spec: the same loop for {@code --warmup} seconds, or null for none. */
    LoadSpec warmup(LoadSpec measured) {
        return warmupSeconds <= 0 ? null : measured.bounded(Duration.ofSeconds(warmupSeconds), maxRequests);
    }

    void settings(BenchTable table, LoadSpec spec) {
        table.setting("load", spec.loop() instanceof LoadSpec.Loop.Open o
                        ? String.format("open loop, %.0f requests/s over %d connections", o.rate(), o.connections())
                        : "closed loop, " + spec.loop().connections() + " concurrent")
                .setting("measured", durationSeconds + " s after " + warmupSeconds + " s of warm-up, at most "
                        + maxRequests + " requests")
                .setting("jobs per request", jobsPerRequest + (jobsPerRequest > 1 ? " (NDJSON)" : ""))
                .setting("job body", jobBytes + " bytes");
    }

    /** Throughput, both latency figures, errors and bytes of {@code r}; {@code prefix} names the phase ("" none). */
    static void figures(BenchTable table, String prefix, LoadResult r, String jobsTarget, String latencyTarget) {
        table.figure(prefix + "requests/s answered with success", String.format("%,.0f", r.requestsPerSecond()), "")
                .figure(prefix + "jobs/s accepted", String.format("%,.0f", r.jobsPerSecond()), jobsTarget)
                .figure(prefix + "request latency p50 / p90 / p99 / max, corrected for coordinated omission",
                        LoadResult.percentiles(r.latency()), latencyTarget)
                .figure(prefix + "service time p50 / p90 / p99 / max (uncorrected)",
                        LoadResult.percentiles(r.serviceTime()), "")
                .figure(prefix + "requests sent / failed", r.sent() + " / " + r.errors() + " (" + r.errorSummary() + ")",
                        "0 failed");
        if (r.behindSchedule() > 0) {
            table.figure(prefix + "requests due but not sent (every connection busy)", Long.toString(r.behindSchedule()),
                    "0");
        }
        table.figure(prefix + "MB sent / received", String.format("%.1f / %.1f", r.bytesSent() / 1e6,
                r.bytesReceived() / 1e6), "");
    }
}

package dev.llmq.bench.load;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What one run of the {@link LoadGenerator} measured. Latencies are in nanoseconds.
 *
 * <ul>
 *   <li>{@link #latency} is corrected for coordinated omission. Open loop: each request's time from when it was
 *       <em>due</em> (start + i / rate) to its answer, so a stall counts for every request it held back, including
 *       those that waited for a free connection. Closed loop: the service times, with the requests a connection would
 *       have sent during a slow answer filled in ({@code Histogram.copyCorrectedForCoordinatedOmission} with
 *       {@link #expectedIntervalNanos}, the run's median service time: one connection's usual time between
 *       requests); what a client arriving at a steady pace would have seen.</li>
 *   <li>{@link #serviceTime} is uncorrected: each request's time from its first byte sent to its answer read; what
 *       the server took once it had the request. It hides queueing behind a stall.</li>
 * </ul>
 *
 * @param sent                  requests sent (answered or failed)
 * @param succeeded             requests answered with the target's success status
 * @param jobs                  jobs in the succeeded requests
 * @param errorsByStatus        failed requests by status ({@link #TRANSPORT_ERROR}: no answer)
 * @param errorSamples          for each failed status, the start of the first such answer's body (for no answer: the
 *                              exception), so the table says why
 * @param bytesSent             request bytes written (heads included)
 * @param bytesReceived         answer bytes read (heads included)
 * @param seconds               from the start to the last answer
 * @param behindSchedule        open loop: requests due before the end that were not sent (every connection busy
 *                              until past the end's grace); always 0 in a closed loop
 * @param expectedIntervalNanos the interval the closed loop's correction used; 0 in an open loop
 */
public record LoadResult(String loop, long sent, long succeeded, long jobs, SortedMap<Integer, Long> errorsByStatus,
                         SortedMap<Integer, String> errorSamples, long bytesSent, long bytesReceived, double seconds, Histogram latency, Histogram serviceTime,
                         long behindSchedule, long expectedIntervalNanos) {

    /** The status recorded for a request that got no answer (connect failure, read failure, timeout). */
    public static final int TRANSPORT_ERROR = 0;

    public LoadResult {
        errorsByStatus = Collections.unmodifiableSortedMap(new TreeMap<>(errorsByStatus));
        errorSamples = Collections.unmodifiableSortedMap(new TreeMap<>(errorSamples));
    }

    public long errors() {
        return errorsByStatus.values().stream().mapToLong(Long::longValue).sum();
    }

    public double requestsPerSecond() {
        return seconds > 0 ? succeeded / seconds : 0;
    }

    public double jobsPerSecond() {
        return seconds > 0 ? jobs / seconds : 0;
    }

    /** {@code HTTP 503: 3 (first body: ...), no answer: 1 (...)}-style summary of the errors, or "none". */
    public String errorSummary() {
        if (errorsByStatus.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        errorsByStatus.forEach((status, count) -> sb.append(sb.isEmpty() ? "" : ", ")
                .append(status == TRANSPORT_ERROR ? "no answer" : "HTTP " + status).append(": ").append(count)
                .append(errorSamples.containsKey(status) ? " (first: " + errorSamples.get(status) + ")" : ""));
        return sb.toString();
    }

    /** {@code p50 / p90 / p99 / max} of {@code h} in milliseconds. */
    public static String percentiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "–";
        }
        return String.format("%s / %s / %s / %s ms", ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()));
    }

    /** Nanoseconds as milliseconds, one decimal below 100 ms. */
    public static String ms(long nanos) {
        double ms = nanos / 1e6;
        return ms < 100 ? String.format("%.1f", ms) : String.format("%.0f", ms);
    }
}

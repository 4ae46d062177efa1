package dev.llmq.worker.internal;

import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The committed-offset metadata that makes poison jobs countable: for each record above the committed offset that
 * was started and has not finished, how many times it was started. Written with every commit of a partition (Kafka
 * keeps it with the offset, {@code OffsetAndMetadata.metadata}); read by the partition's next owner.
 *
 * <p>Format {@code s1;} followed by comma-separated runs {@code <from>[-<to>]:<starts>}: offsets relative to the
 * committed offset, consecutive offsets with the same count in one run (jobs start in offset order, so a partition's
 * running jobs are a handful of runs). Brokers keep at most {@code offset.metadata.max.bytes} (4096 by default) of
 * metadata; the encoding keeps the lowest offsets within {@link #MAX_CHARS} and leaves the rest out (those records'
 * counts start again from zero: they can loop longer, never fail early). An empty map is the empty string.
 */
final class StartsMetadata {

    static final String PREFIX = "s1;";
    static final int MAX_CHARS = 4000;
    /** Longest run read back: more records than one worker ever runs at once. */
    static final long MAX_RUN = 1_000_000;

    private StartsMetadata() {
    }

    /** What was encoded: the metadata string and how many started records it left out. */
    record Encoded(String metadata, int leftOut) {
    }

    /** Encodes the counts of offsets at or above {@code base} (the offset being committed). */
    static Encoded encode(long base, NavigableMap<Long, Integer> starts) {
        NavigableMap<Long, Integer> tail = starts.tailMap(base, true);
        if (tail.isEmpty()) {
            return new Encoded("", 0);
        }
        StringBuilder out = new StringBuilder(PREFIX);
        int leftOut = 0;
        boolean full = false;
        Iterator<Map.Entry<Long, Integer>> it = tail.entrySet().iterator();
        Map.Entry<Long, Integer> first = it.next();
        long from = first.getKey();
        long to = from;
        int count = first.getValue();
        int inRun = 1;
        while (true) {
            Map.Entry<Long, Integer> e = it.hasNext() ? it.next() : null;
            if (e != null && e.getKey() == to + 1 && e.getValue() == count) {
                to++;
                inRun++;
                continue;
            }
            String run = (out.length() > PREFIX.length() ? "," : "") + (from - base)
                    + (to == from ? "" : "-" + (to - base)) + ":" + count;
            if (full || out.length() + run.length() > MAX_CHARS) {
                full = true;
                leftOut += inRun;
            } else {
                out.append(run);
            }
            if (e == null) {
                break;
            }
            from = e.getKey();
            to = from;
            count = e.getValue();
            inRun = 1;
        }
        return new Encoded(out.toString(), leftOut);
    }

    /**
     * The counts in {@code metadata} committed with offset {@code base}; empty for metadata this class did not write
     * (none, another format).
     *
     * @throws IllegalArgumentException for metadata in this format that does not parse
     */
    static NavigableMap<Long, Integer> decode(long base, String metadata) {
        NavigableMap<Long, Integer> starts = new TreeMap<>();
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return starts;
        }
        String body = metadata.substring(PREFIX.length());
        if (body.isEmpty()) {
            return starts;
        }
        try {
            for (String run : body.split(",")) {
                int colon = run.indexOf(':');
                String range = run.substring(0, colon);
                int count = Integer.parseInt(run.substring(colon + 1));
                int dash = range.indexOf('-');
                long from = Long.parseLong(dash < 0 ? range : range.substring(0, dash));
                long to = dash < 0 ? from : Long.parseLong(range.substring(dash + 1));
                if (from < 0 || to < from || to - from > MAX_RUN || count < 1) {
                    throw new IllegalArgumentException("bad run '" + run + "'");
                }
                for (long rel = from; rel <= to; rel++) {
                    starts.put(base + rel, count);
                }
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unreadable start counts in the committed metadata '" + metadata
                    + "': " + e.getMessage(), e);
        }
        return starts;
    }
}

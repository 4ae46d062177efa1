package dev.llmq.worker.internal;

import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The committed-offset metadata of a jobs partition (Kafka keeps it with the offset, {@code OffsetAndMetadata.metadata};
 * the partition's next owner reads it): which records above the committed offset are not done yet, up to an end, and
 * how many times each of those was started.
 *
 * <p>Jobs finish out of order, so the committed offset (the lowest record not done) trails records that are done:
 * their results were written in the same transaction as this metadata. A next owner must not run them again, or
 * they would have two results. So the metadata says: every record from the committed offset up to {@code end} that
 * is not listed is done; the listed ones are open (running, or waiting for capacity) with their start counts, which
 * make poison jobs countable; records from {@code end} on are unknown (not yet handed out) and run as usual.
 *
 * <p>Format {@code s2;<end>;} followed by comma-separated runs {@code <from>[-<to>]:<starts>}: offsets relative to the
 * committed offset, consecutive open offsets with the same count in one run ({@code 0}: starts not counted). Brokers
 * keep at most {@code offset.metadata.max.bytes} (4096 by default) of metadata; when the runs do not fit in
 * {@link #MAX_CHARS}, the end moves down to the first run left out, so nothing is ever said done that is not (the
 * records above the new end whose results are waiting are simply not committed with this metadata, and go with a later
 * one). Nothing open and nothing done above the offset is the empty string. Metadata of the earlier format
 * ({@code s1;}, start counts only) reads as open records and no done ones.
 */
final class CommitMetadata {

    static final String PREFIX = "s2;";
    static final String STARTS_ONLY_PREFIX = "s1;";
    static final int MAX_CHARS = 4000;
    /** Longest run read back: more records than one worker ever holds at once. */
    static final long MAX_RUN = 1_000_000;

    private CommitMetadata() {
    }

    /**
     * What was encoded.
     *
     * @param metadata the string to commit
     * @param end the absolute offset from which records are unknown (at most the one asked for)
     * @param leftOut open records at or above {@code end}, left out because the runs did not fit
     */
    record Encoded(String metadata, long end, int leftOut) {
    }

    /**
     * What a commit says about the records above its offset.
     *
     * @param base the committed offset
     * @param end records in {@code [base, end)} not in {@code open} are done
     * @param open the open records below {@code end}, with their start counts (0: not counted)
     */
    record Decoded(long base, long end, NavigableMap<Long, Integer> open) {

        /** No commit at all: the partition was never committed. */
        static final Decoded NONE = new Decoded(-1, -1, new TreeMap<>());

        static Decoded nothing(long base) {
            return new Decoded(base, base, new TreeMap<>());
        }

        /** True when the record at {@code offset} was done when this was committed. */
        boolean done(long offset) {
            return offset >= base && offset < end && !open.containsKey(offset);
        }

        /** Start counts of the open records that were started. */
        NavigableMap<Long, Integer> starts() {
            NavigableMap<Long, Integer> starts = new TreeMap<>();
            open.forEach((offset, count) -> {
                if (count > 0) {
                    starts.put(offset, count);
                }
            });
            return starts;
        }
    }

    /**
     * Encodes what a commit of {@code base} knows.
     *
     * @param end the first offset not handed out (the backlog's first record, or the next to fetch)
     * @param open the records in {@code [base, end)} that are not done, with their start counts (0: not counted)
     */
    static Encoded encode(long base, long end, NavigableMap<Long, Integer> open) {
        if (end <= base) {
            return new Encoded("", base, 0);
        }
        NavigableMap<Long, Integer> within = open.subMap(base, true, end, false);
        StringBuilder runs = new StringBuilder();
        int budget = MAX_CHARS - PREFIX.length() - Long.toString(end - base).length() - 1;
        long cut = end;
        int leftOut = 0;
        Iterator<Map.Entry<Long, Integer>> it = within.entrySet().iterator();
        Map.Entry<Long, Integer> e = it.hasNext() ? it.next() : null;
        while (e != null) {
            long from = e.getKey();
            long to = from;
            int count = e.getValue();
            int inRun = 1;
            e = it.hasNext() ? it.next() : null;
            while (e != null && e.getKey() == to + 1 && e.getValue() == count) {
                to++;
                inRun++;
                e = it.hasNext() ? it.next() : null;
            }
            int before = runs.length();
            if (before > 0) {
                runs.append(',');
            }
            runs.append(from - base);
            if (to != from) {
                runs.append('-').append(to - base);
            }
            runs.append(':').append(count);
            if (runs.length() > budget) {
                runs.setLength(before);
                cut = from;
                leftOut = inRun + (e == null ? 0 : within.tailMap(e.getKey(), true).size());
                break;
            }
        }
        if (cut == base) {
            return new Encoded("", base, leftOut);
        }
        return new Encoded(PREFIX + (cut - base) + ";" + runs, cut, leftOut);
    }

    /**
     * What the {@code metadata} committed with offset {@code base} says; nothing done above {@code base} for metadata
     * this class did not write (none, another tool's).
     *
     * @throws IllegalArgumentException for metadata in these formats that does not parse
     */
    static Decoded decode(long base, String metadata) {
        if (metadata == null) {
            return Decoded.nothing(base);
        }
        boolean current = metadata.startsWith(PREFIX);
        if (!current && !metadata.startsWith(STARTS_ONLY_PREFIX)) {
            return Decoded.nothing(base);
        }
        try {
            String body = metadata.substring(PREFIX.length());
            long end = base;
            if (current) {
                int semi = body.indexOf(';');
                long relativeEnd = Long.parseLong(body.substring(0, semi));
                if (relativeEnd < 0) {
                    throw new IllegalArgumentException("negative end");
                }
                end = base + relativeEnd;
                body = body.substring(semi + 1);
            }
            NavigableMap<Long, Integer> open = new TreeMap<>();
            if (!body.isEmpty()) {
                for (String run : body.split(",")) {
                    int colon = run.indexOf(':');
                    String range = run.substring(0, colon);
                    int count = Integer.parseInt(run.substring(colon + 1));
                    int dash = range.indexOf('-');
                    long from = Long.parseLong(dash < 0 ? range : range.substring(0, dash));
                    long to = dash < 0 ? from : Long.parseLong(range.substring(dash + 1));
                    if (from < 0 || to < from || to - from > MAX_RUN || count < (current ? 0 : 1)
                            || (current && base + to >= end)) {
                        throw new IllegalArgumentException("bad run '" + run + "'");
                    }
                    for (long rel = from; rel <= to; rel++) {
                        open.put(base + rel, count);
                    }
                }
            }
            return new Decoded(base, end, open);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unreadable commit metadata '" + metadata + "': " + e.getMessage(), e);
        }
    }
}

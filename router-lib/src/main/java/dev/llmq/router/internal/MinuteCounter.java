package dev.llmq.router.internal;

import java.time.Instant;

/**
 * Requests and tokens of the current clock minute (UTC, {@code epochSecond / 60}), for rpm/tpm limits. The counts
 * start again from zero whenever {@link #roll} sees another minute than the last one, earlier ones included. Counts
 * never go below zero. Not API; not thread-safe: the owner's lock guards it.
 */
public final class MinuteCounter {

    private long minute = Long.MIN_VALUE;
    private long requests;
    private long tokens;

    /** Moves to the minute of {@code now}; returns whether that started a new count. */
    public boolean roll(Instant now) {
        long m = Math.floorDiv(now.getEpochSecond(), 60);
        if (m == minute) {
            return false;
        }
        minute = m;
        requests = 0;
        tokens = 0;
        return true;
    }

    public long requests() {
        return requests;
    }

    public long tokens() {
        return tokens;
    }

    /** Whether one more request stays within {@code limit} (null: no limit). */
    public boolean requestFits(Long limit) {
        return limit == null || requests + 1 <= limit;
    }

    /** Whether {@code more} tokens stay within {@code limit} (null: no limit). */
    public boolean tokensFit(Long limit, long more) {
        return limit == null || tokens + more <= limit;
    }

    /** Counts one request with its estimated tokens. */
    public void add(long estimatedTokens) {
        requests++;
        tokens += estimatedTokens;
    }

    /** Corrects the tokens by {@code delta} (actual minus estimate, or minus the estimate of a call that used none). */
    public void correctTokens(long delta) {
        tokens = Math.max(0, tokens + delta);
    }

    /** Takes the counts of {@code other}'s minute (a deployment's state replaced by a config reload). */
    public void copyFrom(MinuteCounter other) {
        minute = other.minute;
        requests = other.requests;
        tokens = other.tokens;
    }

    /** Takes back one request that never reached the provider. */
    public void removeRequest() {
        requests = Math.max(0, requests - 1);
    }
}

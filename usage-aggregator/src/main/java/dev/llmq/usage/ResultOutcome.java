package dev.llmq.usage;

/**
 * What became of one record of the results topic in the aggregator, for {@code llmq.usage.results{outcome}}:
 * counted, a duplicate of a job id counted already, or invalid (skipped: not a result, keyed by another id, or
 * completed too far ahead of the clock).
 */
public enum ResultOutcome { COUNTED, DUPLICATE, INVALID }

/**
 * The usage aggregator: usage and spend per model group, deployment, provider, tenant and tag, in 1-minute, 1-hour
 * and 1-day windows by completion time and running totals ({@link dev.llmq.usage.UsageTopology}, a Kafka Streams
 * application over the results topic), the spend budgets' states on the control topic, and
 * {@code GET /v1/usage} answered whole by any instance ({@link dev.llmq.usage.UsageAggregator}).
 */
package dev.llmq.usage;

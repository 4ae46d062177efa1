#!/bin/sh
# Creates llmq's topics on an existing Kafka cluster, shaped as llmq's own topic creation shapes them (the list,
# fixed partition counts, compaction and retention of dev.llmq.schemas.Topics; DeploymentTopicsTest checks that this
# file agrees). Run with the official apache/kafka image, which has kafka-topics.sh. Existing topics are left as they
# are. The llmq roles that join an existing cluster (ingest, worker, usage-aggregator) do not create topics.
#
# Environment: BOOTSTRAP_SERVERS (required), TOPIC_PREFIX (llmq.topics.prefix, default llmq), TOPIC_PARTITIONS
# (llmq.topics.partitions, default 6), TOPIC_REPLICATION_FACTOR (llmq.topics.replication_factor, default 1),
# KAFKA_TOPICS (default /opt/kafka/bin/kafka-topics.sh), KAFKA_COMMAND_CONFIG (a client properties file for a
# secured cluster, optional).
set -eu
: "${BOOTSTRAP_SERVERS:?set BOOTSTRAP_SERVERS to the Kafka cluster}"
prefix="${TOPIC_PREFIX:-llmq}"
partitions="${TOPIC_PARTITIONS:-6}"
replication="${TOPIC_REPLICATION_FACTOR:-1}"
kafka_topics="${KAFKA_TOPICS:-/opt/kafka/bin/kafka-topics.sh}"

# topic SUFFIX PARTITIONS CONFIG... ; PARTITIONS "-" means TOPIC_PARTITIONS
topic() {
  name="$prefix.$1"
  count="$2"
  [ "$count" = "-" ] && count="$partitions"
  shift 2
  set -- --create --if-not-exists --bootstrap-server "$BOOTSTRAP_SERVERS" --topic "$name" \
    --partitions "$count" --replication-factor "$replication" "$@"
  [ -n "${KAFKA_COMMAND_CONFIG:-}" ] && set -- "$@" --command-config "$KAFKA_COMMAND_CONFIG"
  "$kafka_topics" "$@"
  echo "topic $name ready"
}

until "$kafka_topics" --bootstrap-server "$BOOTSTRAP_SERVERS" ${KAFKA_COMMAND_CONFIG:+--command-config "$KAFKA_COMMAND_CONFIG"} --list >/dev/null 2>&1; do
  echo "waiting for Kafka at $BOOTSTRAP_SERVERS"
  sleep 2
done

topic jobs.v1 - --config cleanup.policy=delete
topic chunks.v1 - --config cleanup.policy=delete --config retention.ms=86400000
topic results.v1 - --config cleanup.policy=delete
topic status.v1 - --config cleanup.policy=delete
topic dlq.v1 1 --config cleanup.policy=delete
topic control.v1 1 --config cleanup.policy=compact
topic results.raw.v1 - --config cleanup.policy=delete --config retention.ms=86400000
topic jobs.interactive.v1 - --config cleanup.policy=delete
topic usage.1m.v1 - --config cleanup.policy=delete --config retention.ms=172800000
topic usage.1h.v1 - --config cleanup.policy=delete --config retention.ms=3024000000
topic usage.1d.v1 - --config cleanup.policy=delete --config retention.ms=34560000000
topic usage.total.v1 - --config cleanup.policy=compact

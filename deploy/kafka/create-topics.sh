#!/bin/bash
# create-topics.sh: creates cellscan's five topics with their partition
# counts. Idempotent (--if-not-exists), so it can run at every deploy.
# Used by deploy/compose.yaml (kafka-init) and by operators against MSK or
# any Kafka (docs/deploy.md).
#
# Environment:
#   KAFKA_BOOTSTRAP          host:port[,...] (required)
#   KAFKA_COMMAND_CONFIG     client properties file for SASL/TLS (optional)
#   KAFKA_TOPICS_SH          path of kafka-topics.sh (default: from PATH)
#   CELLSCAN_TOPIC_PREFIX    default "cellscan."
#   TOPIC_REPLICATION        replication factor, default 3 (1 on a laptop)
#   PARTITIONS_SCAN_REQUESTS default 6   key client_id
#   PARTITIONS_CELL_JOBS     default 48  key account_id; the most workers that
#                                        can be busy at once (ECS WorkerMaxCount)
#   PARTITIONS_CELL_RESULTS  default 12  key scan_id; aggregator parallelism
#   PARTITIONS_SCAN_RESULTS  default 6   key scan_id
#   PARTITIONS_DEAD_LETTERS  default 3
#   RETENTION_MS             cell-jobs and cell-results retention, default
#                            604800000 (7 days): the aggregator replays
#                            cell-results from the earliest open scan, so keep
#                            it well above the longest scan deadline (max 1 day)
set -euo pipefail
bootstrap=${KAFKA_BOOTSTRAP:?KAFKA_BOOTSTRAP must name the Kafka bootstrap servers}
prefix=${CELLSCAN_TOPIC_PREFIX-cellscan.}
replication=${TOPIC_REPLICATION:-3}
retention=${RETENTION_MS:-604800000}
kafka_topics=${KAFKA_TOPICS_SH:-kafka-topics.sh}
common=(--bootstrap-server "$bootstrap")
if [ -n "${KAFKA_COMMAND_CONFIG:-}" ]; then
  common+=(--command-config "$KAFKA_COMMAND_CONFIG")
fi
durability=()
if [ "$replication" -ge 3 ]; then
  durability=(--config min.insync.replicas=2)
fi

create() {
  local suffix=$1 partitions=$2
  shift 2
  echo "create-topics: $prefix$suffix ($partitions partitions, replication $replication)"
  "$kafka_topics" "${common[@]}" --create --if-not-exists --topic "$prefix$suffix" \
    --partitions "$partitions" --replication-factor "$replication" "${durability[@]}" "$@"
}

create scan-requests "${PARTITIONS_SCAN_REQUESTS:-6}"
create cell-jobs "${PARTITIONS_CELL_JOBS:-48}" --config "retention.ms=$retention"
create cell-results "${PARTITIONS_CELL_RESULTS:-12}" --config "retention.ms=$retention"
create scan-results "${PARTITIONS_SCAN_RESULTS:-6}"
create dead-letters "${PARTITIONS_DEAD_LETTERS:-3}"
"$kafka_topics" "${common[@]}" --describe --topic "^${prefix//./\\.}(scan-requests|cell-jobs|cell-results|scan-results|dead-letters)\$"

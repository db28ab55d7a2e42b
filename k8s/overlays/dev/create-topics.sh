#!/bin/sh
# Creates the apimon topics on the dev broker (idempotent). Same names, partitions and cleanup policies as the
# KafkaTopic resources of the prod overlay; replication factor 1 (one broker).
set -eu
BOOTSTRAP="${BOOTSTRAP:-apimon-kafka-bootstrap:9092}"
TOPICS=/opt/kafka/bin/kafka-topics.sh

until "$TOPICS" --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; do
  echo "waiting for Kafka at $BOOTSTRAP"
  sleep 3
done

# topic NAME PARTITIONS CLEANUP_POLICY
topic() {
  "$TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor 1 --config "cleanup.policy=$3"
}

topic keys.events 6 compact
topic customers.events 6 compact
topic subscriptions.events 6 compact
topic billing.catalog 1 compact
topic billing.spend 6 compact
topic usage.events 6 delete
topic usage.aggregates 6 delete
topic billing.alerts 6 delete
topic billing.invoices 6 delete
topic billing.payments 6 delete
topic apimon.dead-letter 3 delete

"$TOPICS" --bootstrap-server "$BOOTSTRAP" --describe --exclude-internal | grep -v '^\s*Topic: .*Partition:' || true

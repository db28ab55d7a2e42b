#!/usr/bin/env bash
# usage-service benchmark: ingest throughput (HTTP batches of 1000 -> validation -> dedup ledger -> Kafka, acks=all,
# idempotent; each request inside one Kafka transaction, concurrent requests sharing one: group commit), Kafka's own
# ProducerPerformance with records of the same size on the same broker in the same run, and the ingest -> aggregate
# latency (p50/p99), idle and under load.
#
# Self-contained and loopback only: it starts a private Kafka broker (KRaft, the repo's cached Apache jars) on free
# ports, a private database on the local PostgreSQL, and the usage-service jar on a free port; it needs the shared
# Keycloak realm (started with bin/apimon infra keycloak when missing). Everything it started is stopped at the end.
# Bounded: about 3 minutes (+ a build the first time).
#
# MODE=split (default) runs ingest and the aggregator as two instances of the service, as a deployment that scales
# them separately would: the ingest phase measures HTTP -> Kafka alone, then the aggregator instance starts, works off
# the backlog (its rate is reported) and serves the latency phase. MODE=colocated runs one instance doing both.
#
#   bench/usage/run.sh                       # defaults: CLIENTS=8 DURATION=20 WARMUP=8 CUSTOMERS=100 PROBES=400
#   CLIENTS=16 DURATION=30 bench/usage/run.sh
#   ROUNDS=3 bench/usage/run.sh             # producer tool and ingest alternate 3 times; the ratio is the median of the
#                                            # rounds' ratios (the broker's speed drifts by 2x between minutes here)
#   SERVICE_JAVA_OPTS=-XX:StartFlightRecording=filename=/tmp/usage.jfr bench/usage/run.sh    # profile the service
#   (AGGREGATOR_JAVA_OPTS likewise for the aggregator instance in split mode)
#   USAGE_URL=http://127.0.0.1:8083 KAFKA_BOOTSTRAP=127.0.0.1:9092 bench/usage/run.sh   # against bin/apimon up
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LIBS="$ROOT/.cache/kafka/libs"
CLIENTS="${CLIENTS:-8}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-8}"
CUSTOMERS="${CUSTOMERS:-100}"
PROBES="${PROBES:-400}"
LOAD_RATE="${LOAD_RATE:-5000}"
MODE="${MODE:-split}"
ROUNDS="${ROUNDS:-1}"
PERF_RECORDS="${PERF_RECORDS:-3000000}"
PG_HOST="${APIMON_PG_HOST:-127.0.0.1}"
PG_PORT="${APIMON_PG_PORT:-5432}"
PG_USER="${APIMON_PG_USER:-postgres}"
export PGPASSWORD="${APIMON_PG_PASSWORD:-postgres}"
KEYCLOAK="${APIMON_KEYCLOAK_URL:-http://127.0.0.1:8180}"
ISSUER="$KEYCLOAK/realms/apimon"

WORK="$(mktemp -d /tmp/apimon-usage-bench.XXXXXX)"
KAFKA_PID=""
SERVICE_PID=""
AGGREGATOR_PID=""
DB=""
log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }
stop_pid() { # stop one process we started, by PID, and wait (bounded) until it is gone
  [[ -n "$1" ]] || return 0
  kill "$1" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$1" 2>/dev/null || true
}
cleanup() {
  stop_pid "$AGGREGATOR_PID"
  stop_pid "$SERVICE_PID"
  stop_pid "$KAFKA_PID"
  [[ -n "$DB" ]] && psql -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { local what="$1" secs="$2"; shift 2; for ((i = 0; i < secs * 4; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done; die "$what not ready after ${secs}s"; }

LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg)"
# ------------------------------------------------------------------ prerequisites
ls "$LIBS"/kafka_2.13-*.jar >/dev/null 2>&1 || { log "fetching the Kafka jars"; mvn -B -q -f "$ROOT/infra/kafka/pom.xml" package; }
curl -fs -o /dev/null --max-time 2 "$ISSUER/.well-known/openid-configuration" || { log "starting Keycloak"; "$ROOT/bin/apimon" infra keycloak; }
kafka() { java -Xmx256m -cp "$LIBS/*" "$@"; }

if [[ -n "${USAGE_URL:-}" && -n "${KAFKA_BOOTSTRAP:-}" ]]; then
  BOOTSTRAP="$KAFKA_BOOTSTRAP"
  URL="$USAGE_URL"
  log "using the running stack: $URL, Kafka $BOOTSTRAP"
else
  # ---------------------------------------------------------------- private Kafka broker
  KPORT="$(free_port)"; CPORT="$(free_port)"
  BOOTSTRAP="127.0.0.1:$KPORT"
  cat > "$WORK/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$KPORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KPORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$WORK/kafka-data
num.partitions=6
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
  log "starting a private Kafka broker on $BOOTSTRAP"
  kafka kafka.tools.StorageTool format --standalone -t "$(kafka kafka.tools.StorageTool random-uuid)" -c "$WORK/server.properties" >"$WORK/format.log" 2>&1
  java -Xmx512m -Dkafka.logs.dir="$WORK/kafka-logs" -cp "$LIBS/*" kafka.Kafka "$WORK/server.properties" >"$WORK/kafka.log" 2>&1 &
  KAFKA_PID=$!
  wait_for "Kafka" 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$KPORT"
  for t in "usage.events 6 delete" "usage.aggregates 6 delete" "customers.events 6 compact" "apimon.dead-letter 3 delete" "bench-perf 6 delete"; do
    read -r name parts policy <<<"$t"
    kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$name" \
      --partitions "$parts" --replication-factor 1 --config "cleanup.policy=$policy" >/dev/null
  done

  # ---------------------------------------------------------------- private database + the service
  DB="apimon_usage_bench_$(date +%s)"
  psql -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -c "CREATE DATABASE $DB" >/dev/null || die "PostgreSQL at $PG_HOST:$PG_PORT is not usable (bin/apimon infra postgres)"
  JAR="$ROOT/usage-service/target/quarkus-app/quarkus-run.jar"
  if [[ ! -f "$JAR" || -n "$(find "$ROOT/usage-service/src/main" "$ROOT/usage-service/pom.xml" -newer "$JAR" -type f -print -quit)" ]]; then
    log "building usage-service"
    (cd "$ROOT" && mvn -B -q -o -pl usage-service -am package -DskipTests) || (cd "$ROOT" && mvn -B -q -pl usage-service -am package -DskipTests)
  fi
  # start_service <port> <aggregation enabled> <log> [java options]: prints the PID
  start_service() {
    QUARKUS_HTTP_PORT="$1" KAFKA_BOOTSTRAP_SERVERS="$BOOTSTRAP" APIMON_USAGE_AGGREGATION_ENABLED="$2" \
    QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB" QUARKUS_DATASOURCE_USERNAME="$PG_USER" QUARKUS_DATASOURCE_PASSWORD="$PGPASSWORD" \
    QUARKUS_OIDC_AUTH_SERVER_URL="$ISSUER" APIMON_USAGE_INGEST_TRANSACTIONAL_ID_PREFIX="usage-bench-$1" QUARKUS_LOG_CONSOLE_JSON_ENABLED=false \
      java -Xmx512m ${4:-} -jar "$JAR" >"$3" 2>&1 &
    echo $!
  }
  HPORT="$(free_port)"
  URL="http://127.0.0.1:$HPORT"
  if [[ "$MODE" == split ]]; then
    log "starting usage-service (ingest only) on $URL (database $DB)"
    SERVICE_PID="$(start_service "$HPORT" false "$WORK/service.log" "${SERVICE_JAVA_OPTS:-}")"
  else
    log "starting usage-service (ingest + aggregator) on $URL (database $DB)"
    SERVICE_PID="$(start_service "$HPORT" true "$WORK/service.log" "${SERVICE_JAVA_OPTS:-}")"
  fi
  wait_for "usage-service" 90 curl -fs -o /dev/null "$URL/q/health/ready"
fi

# ------------------------------------------------------------------ Kafka's own producer, same record size
RECORD_BYTES="$(java -cp "$LIBS/*" "$ROOT/bench/usage/IngestBench.java" mode=size)"
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; } # user nice system irq softirq steal
# perf: one ProducerPerformance run; prints "<records/s> <machine CPU us per record>" (broker + producer + JVM start:
# what Kafka alone costs per event)
perf() {
  local b0 b1 line rate
  b0="$(busy_ticks)"
  line="$(kafka org.apache.kafka.tools.ProducerPerformance --topic bench-perf --num-records "$PERF_RECORDS" --record-size "$RECORD_BYTES" \
    --throughput -1 --producer-props bootstrap.servers="$BOOTSTRAP" acks=all enable.idempotence=true 2>&1 | tail -1)"
  b1="$(busy_ticks)"
  echo "$line" >&2
  rate="$(sed -E 's/.* ([0-9.]+) records\/sec.*/\1/' <<<"$line")"
  python3 -c "print(f'{$rate:.0f} {($b1 - $b0) * 10000 / $PERF_RECORDS:.1f}')"
}

# ------------------------------------------------------------------ usage-service ingest + latency
bench() {
  java -Xmx512m -cp "$LIBS/*" "$ROOT/bench/usage/IngestBench.java" url="$URL" bootstrap="$BOOTSTRAP" issuer="$ISSUER" \
    clients="$CLIENTS" seconds="$DURATION" warmup="$WARMUP" customers="$CUSTOMERS" probes="$PROBES" load_rate="$LOAD_RATE" \
    service_pid="$SERVICE_PID" kafka_pid="$KAFKA_PID" db="$DB" pg_host="$PG_HOST" pg_port="$PG_PORT" pg_user="$PG_USER" "$@"
}
bench phase=setup >"$WORK/setup.out"
# the producer tool and the ingest alternate, so that each ratio compares two phases minutes apart at most; every
# round's events are new (IngestBench's ids carry its start time), so no round measures the dedup path
: >"$WORK/rounds.tsv"
for ((r = 1; r <= ROUNDS; r++)); do
  log "round $r/$ROUNDS: Kafka ProducerPerformance, $PERF_RECORDS records of $RECORD_BYTES bytes, acks=all, idempotent, 6 partitions"
  read -r P_RATE P_US <<<"$(perf)"
  log "round $r/$ROUNDS: ingest, $CLIENTS clients, batches of 1000, ${DURATION}s after ${WARMUP}s warm-up ($MODE)"
  bench phase=ingest >"$WORK/ingest-$r.out"
  I_RATE="$(sed -n 's/^ingest_events_per_s=//p' "$WORK/ingest-$r.out")"
  printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$P_RATE" "$P_US" "$I_RATE" "$(python3 -c "print(f'{$I_RATE / $P_RATE:.3f}')")" >>"$WORK/rounds.tsv"
done
# the round with the median ratio gives the detailed lines; the headline figures are that round's
MEDIAN_ROUND="$(sort -t$'\t' -k5,5g "$WORK/rounds.tsv" | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) {print $1}')"
read -r _ PERF_RATE PERF_US _ _ <<<"$(awk -F'\t' -v r="$MEDIAN_ROUND" '$1 == r' "$WORK/rounds.tsv")"
OUT="$(cat "$WORK/setup.out" "$WORK/ingest-$MEDIAN_ROUND.out")"
AGG_URL="$URL"
if [[ "$MODE" == split && -n "$SERVICE_PID" ]]; then
  APORT="$(free_port)"
  AGG_URL="http://127.0.0.1:$APORT"
  log "starting the aggregator instance on $AGG_URL; it works off the backlog, then the latency probes run"
  AGGREGATOR_PID="$(start_service "$APORT" true "$WORK/aggregator.log" "${AGGREGATOR_JAVA_OPTS:-}")"
  wait_for "aggregator instance" 90 curl -fs -o /dev/null "$AGG_URL/q/health/ready"
fi
OUT="$OUT
$(bench phase=latency aggregator_pid="${AGGREGATOR_PID:-$SERVICE_PID}")"
val() { sed -n "s/^$1=//p" <<<"$OUT"; }
METRICS="$(curl -fs --max-time 5 "$URL/q/metrics" || true)
$( [[ "$AGG_URL" != "$URL" ]] && curl -fs --max-time 5 "$AGG_URL/q/metrics" || true)"
# mean milliseconds of a Micrometer timer (optionally one phase tag) over the whole run
mean_ms() { awk -v n="$1" -v p="$2" 'index($1, n "_sum") == 1 && index($1, p) {s += $2} index($1, n "_count") == 1 && index($1, p) {c += $2}
  END {if (c > 0) printf "%.1f", s / c * 1000; else printf "n/a"}' <<<"$METRICS"; }
INGEST="$(val ingest_events_per_s)"
AGG_RATE="$(python3 -c "b=float('$(val aggregator_backlog)' or 0); t=float('$(val aggregator_catch_up_s)' or 0); print(f'{b/t:.0f}' if t > 0 else 'n/a')")"
RATIO="$(python3 -c "print(f'{$INGEST / $PERF_RATE:.2f}')")"
ROUNDS_REPORT=""
if ((ROUNDS > 1)); then
  ROUNDS_REPORT="$(awk -F'\t' -v m="$MEDIAN_ROUND" '{printf "  round %s: producer tool %s records/s (%s us/record), ingest %s events/s = %.2fx%s\n", $1, $2, $3, $4, $5, ($1 == m ? "  <- median ratio, detailed below" : "")}' "$WORK/rounds.tsv")
"
fi

cat <<REPORT

usage-service benchmark  $(date -u +%Y-%m-%dT%H:%MZ)  ($(nproc) cores, $(uname -r), MODE=$MODE, ROUNDS=$ROUNDS, load average before: $LOADAVG)
${ROUNDS_REPORT}  Kafka ProducerPerformance ($RECORD_BYTES B records, acks=all, idempotent): ${PERF_RATE%.*} records/s
  ingest, end to end ($CLIENTS clients, batches of 1000):           $INGEST events/s  (${RATIO}x the raw producer)
     requests: $(val ingest_requests), errors: $(val ingest_errors), request p50 $(val ingest_request_p50_ms) ms, p99 $(val ingest_request_p99_ms) ms
     CPU during the ingest phase: $(val cpu_during_ingest)
     CPU per event (machine busy time / events, in us): ingest $(val cpu_us_per_event); the producer tool alone: $PERF_US per record
     (at 100,000 events/s the $(nproc) cores allow $(python3 -c "print(f'{$(nproc) * 10:.1f}')") us per event in all)
     mean events per Kafka transaction in the ingest phase (concurrent requests share one): $(val ingest_events_per_transaction)
     mean per request: validate $(mean_ms usage_ingest_phase_seconds 'phase="validate"') ms, ledger claim $(mean_ms usage_ingest_phase_seconds 'phase="ledger"') ms, Kafka transaction $(mean_ms usage_ingest_phase_seconds 'phase="publish"') ms, ledger commit $(mean_ms usage_ingest_phase_seconds 'phase="commit"') ms
     CPU while the aggregator worked off the backlog: $(val cpu_during_catch_up)
  aggregator: worked off a backlog of $(val aggregator_backlog) records in $(val aggregator_catch_up_s) s (~$AGG_RATE events/s), mean batch $(mean_ms usage_aggregator_batch_seconds '') ms
     mean per batch: parse $(mean_ms usage_aggregator_phase_seconds 'phase="parse"') ms, raw-log append $(mean_ms usage_aggregator_phase_seconds 'phase="append"') ms, buckets $(mean_ms usage_aggregator_phase_seconds 'phase="buckets"') ms, outbox $(mean_ms usage_aggregator_phase_seconds 'phase="outbox"') ms
  ingest -> aggregate latency, idle ($PROBES probes at 20/s):        p50 $(val latency_idle_p50_ms) ms, p99 $(val latency_idle_p99_ms) ms, max $(val latency_idle_max_ms) ms
  ingest -> aggregate latency, under $(val latency_load_events_per_s) events/s of load:       p50 $(val latency_load_p50_ms) ms, p99 $(val latency_load_p99_ms) ms, max $(val latency_load_max_ms) ms
REPORT
# one machine-readable line for bin/apimon bench
echo "BENCH ingest_events_per_s=$INGEST kafka_producer_records_per_s=${PERF_RATE%.*} kafka_producer_cpu_us_per_record=$PERF_US ingest_cpu_us_per_event=$(val cpu_us_per_event | cut -d' ' -f1) ingest_to_aggregate_p99_ms=$(val latency_idle_p99_ms) ingest_to_aggregate_load_p99_ms=$(val latency_load_p99_ms)"

#!/usr/bin/env bash
# rating-service benchmark: a simulation (POST /v1/simulations, all customers, 3 closed periods) over 10,000 customers
# x 3 months of stored hourly aggregates, timed from the POST to the completed job. Goal: <= 10 s.
#
# Self-contained and loopback only: a scratch database on the local PostgreSQL (dropped at the end), seeded
# server-side in bulk (generate_series, no per-row round trips), and the rating-service jar on a free port against it.
# It needs the shared Keycloak realm (started with bin/apimon infra keycloak when missing); no Kafka (the service points
# at a closed port: a simulation needs no broker, and the bench must not consume a running stack's topics).
# Seeding 22 million hourly rows takes a few minutes; the simulation itself is the figure.
#
#   bench/rating/run.sh                          # CUSTOMERS=10000 MONTHS=3 RUNS=2
#   CUSTOMERS=1000 bench/rating/run.sh           # a quick run
#   KEEP_DB=1 bench/rating/run.sh                # keep the scratch database (apimon_rating_bench_<time>) to look at
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CUSTOMERS="${CUSTOMERS:-10000}"
MONTHS="${MONTHS:-3}"
RUNS="${RUNS:-2}"
PG_HOST="${APIMON_PG_HOST:-127.0.0.1}"
PG_PORT="${APIMON_PG_PORT:-5432}"
PG_USER="${APIMON_PG_USER:-postgres}"
export PGPASSWORD="${APIMON_PG_PASSWORD:-postgres}"
KEYCLOAK="${APIMON_KEYCLOAK_URL:-http://127.0.0.1:8180}"
ISSUER="$KEYCLOAK/realms/apimon"

WORK="$(mktemp -d /tmp/apimon-rating-bench.XXXXXX)"
SERVICE_PID=""
DB=""
log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }
cleanup() {
  [[ -n "$SERVICE_PID" ]] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null || true
  if [[ -n "$DB" && -z "${KEEP_DB:-}" ]]; then
    psql -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { local what="$1" secs="$2"; shift 2; for ((i = 0; i < secs * 4; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done; die "$what not ready after ${secs}s (log: $WORK/service.log)"; }
now_ms() { date +%s%3N; }
sql() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$DB" "$@"; }

# ------------------------------------------------------------------ prerequisites
curl -fs -o /dev/null --max-time 2 "$ISSUER/.well-known/openid-configuration" || { log "starting Keycloak"; "$ROOT/bin/apimon" infra keycloak; }
JAR="$ROOT/rating-service/target/quarkus-app/quarkus-run.jar"
if [[ ! -f "$JAR" || -n "$(find "$ROOT/rating-service/src/main" "$ROOT/rating-service/pom.xml" -newer "$JAR" -type f -print -quit)" ]]; then
  log "building rating-service"
  (cd "$ROOT" && mvn -B -q -o -pl rating-service -am package -DskipTests) || (cd "$ROOT" && mvn -B -q -pl rating-service -am package -DskipTests)
fi

# ------------------------------------------------------------------ scratch database + the service (applies the migrations)
DB="apimon_rating_bench_$(date +%s)"
psql -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -c "CREATE DATABASE $DB" >/dev/null \
  || die "PostgreSQL at $PG_HOST:$PG_PORT is not usable (bin/apimon infra postgres)"
HPORT="$(free_port)"
URL="http://127.0.0.1:$HPORT"
log "starting rating-service on $URL (database $DB)"
QUARKUS_HTTP_PORT="$HPORT" KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$(free_port)" \
QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB" QUARKUS_DATASOURCE_USERNAME="$PG_USER" QUARKUS_DATASOURCE_PASSWORD="$PGPASSWORD" \
QUARKUS_OIDC_AUTH_SERVER_URL="$ISSUER" QUARKUS_LOG_CONSOLE_JSON_ENABLED=false \
  java ${SERVICE_JAVA_OPTS:-} -jar "$JAR" >"$WORK/service.log" 2>&1 &
SERVICE_PID=$!
wait_for "rating-service" 90 curl -fs -o /dev/null "$URL/q/health/live"
wait_for "the schema" 60 sql -c "SELECT 1 FROM usage_days LIMIT 0"

# ------------------------------------------------------------------ seed
# Customers cus_bench_000001.. in five regions, all on plan bench v1 (published); v2 is the draft to simulate.
# Subscriptions are anchored as key-service anchors them, at the instant they started: any day 1-28 of the month
# before the usage starts, any time of day. Usage: api_calls (count) in every hour of the last MONTHS whole calendar
# months, storage_gb (max) once a day. usage_hours is loaded in time order (as the aggregator writes it) with its
# primary keys built afterwards, and the rollups are built set-based like the V7 migration's backfill.
log "seeding $CUSTOMERS customers x $MONTHS months of hourly aggregates"
T0="$(now_ms)"
sql -v customers="$CUSTOMERS" -v months="$MONTHS" <<'SQL'
SET work_mem = '256MB';
SET maintenance_work_mem = '1GB';
SET session_replication_role = replica;   -- bulk load: no per-row rollup triggers, the rollups are built below in one pass
ALTER TABLE usage_hours SET UNLOGGED;      -- a scratch database: no WAL for bulk rows
ALTER TABLE usage_days SET UNLOGGED;
ALTER TABLE usage_months SET UNLOGGED;
ALTER TABLE usage_hours DROP CONSTRAINT usage_hours_pkey;
ALTER TABLE usage_days DROP CONSTRAINT usage_days_pkey;
ALTER TABLE usage_months DROP CONSTRAINT usage_months_pkey;

CREATE TEMP TABLE bounds AS
SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS this_month,
       (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => :months)) AT TIME ZONE 'UTC' AS first_month;

INSERT INTO plan_versions (code, version, status, document, created_at, published_at) VALUES
('bench', 1, 'published', '{"code": "bench", "version": 1, "name": "Bench", "status": "published", "currency": "USD",
  "interval": "month", "fee": "29.00", "minimum_commitment": "50.00",
  "quotas": [{"meter": "api_calls", "limit": 25000, "enforcement": "soft"}],
  "charges": [{"meter": "api_calls", "model": "graduated", "tiers": [{"up_to": 10000, "unit_amount": "0"}, {"unit_amount": "0.002"}]},
              {"meter": "storage_gb", "model": "per_unit", "unit_amount": "0.10"}]}', now(), now()),
('bench', 2, 'draft', '{"code": "bench", "version": 2, "name": "Bench", "status": "draft", "currency": "USD",
  "interval": "month", "fee": "25.00",
  "quotas": [{"meter": "api_calls", "limit": 30000, "enforcement": "soft"}],
  "charges": [{"meter": "api_calls", "model": "volume", "tiers": [{"up_to": 20000, "unit_amount": "0.0015"}, {"unit_amount": "0.0012"}]},
              {"meter": "storage_gb", "model": "graduated", "tiers": [{"up_to": 50, "unit_amount": "0.12"}, {"unit_amount": "0.08"}]}]}', now(), NULL);

CREATE TEMP TABLE seed AS
SELECT i, 'cus_bench_' || lpad(i::text, 6, '0') AS id, (ARRAY['GB', 'US', 'DE', 'FR', 'JP'])[1 + i % 5] AS region,
       b.first_month - interval '1 month' + make_interval(days => (i * 7) % 28, secs => (i * 7919) % 86400) AS anchor
FROM generate_series(1, :customers) i, bounds b;

INSERT INTO rating_customers (id, currency, status, attributes, updated_at)
SELECT id, 'USD', 'active', jsonb_build_object('region', region), now() FROM seed;
INSERT INTO rating_subscriptions (customer_id, subscription_id, plan_code, plan_version, status, period_anchor, snapshot, updated_at)
SELECT id, 'sub_' || id, 'bench', 1, 'active', anchor, '{}', now() FROM seed;
INSERT INTO subscription_history (customer_id, event_id, effective_at, plan_code, plan_version, status)
SELECT id, 'seed-' || id, anchor, 'bench', 1, 'active' FROM seed;

-- api_calls: 1-5x a 0..39 per-hour pattern, so monthly totals spread around the tier boundaries and quotas
INSERT INTO usage_hours (customer_id, meter, window_start, group_key, env, aggregation, value, version)
SELECT s.id, 'api_calls', h, '{}', 'live', 'count',
       (1 + s.i % 5) * ((s.i * 7 + extract(hour FROM h AT TIME ZONE 'UTC')::int * 3 + extract(day FROM h AT TIME ZONE 'UTC')::int) % 40), 1
FROM bounds b, generate_series(b.first_month, b.this_month - interval '1 hour', interval '1 hour') h, seed s;
-- storage_gb: one bucket a day, growing slowly
INSERT INTO usage_hours (customer_id, meter, window_start, group_key, env, aggregation, value, version)
SELECT s.id, 'storage_gb', d, '{}', 'live', 'max', 10 + s.i % 90 + extract(epoch FROM d - b.first_month)::bigint / 864000, 1
FROM bounds b, generate_series(b.first_month, b.this_month - interval '1 day', interval '1 day') d, seed s;
ALTER TABLE usage_hours ADD CONSTRAINT usage_hours_pkey PRIMARY KEY (customer_id, meter, window_start, group_key, env);

-- the backfill of V7, with joins instead of a lookup per row
INSERT INTO usage_rollup_anchors (customer_id, anchor) SELECT customer_id, period_anchor FROM rating_subscriptions;
INSERT INTO usage_days (customer_id, env, day_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
SELECT h.customer_id, h.env, usage_day_start(h.window_start, o.anchor), h.meter, min(h.aggregation),
       sum(h.value), max(h.value), min(h.value), max(h.window_start),
       (array_agg(h.value ORDER BY h.window_start DESC, h.group_key DESC))[1]
FROM usage_hours h JOIN usage_rollup_anchors o ON o.customer_id = h.customer_id
GROUP BY h.customer_id, h.env, usage_day_start(h.window_start, o.anchor), h.meter;
ALTER TABLE usage_days ADD CONSTRAINT usage_days_pkey PRIMARY KEY (customer_id, env, day_start, meter)
    INCLUDE (aggregation, sum_value, max_value, min_value, latest_at, latest_value);
INSERT INTO usage_months (customer_id, env, month_start, meter, aggregation, sum_value, max_value, min_value, latest_at, latest_value)
SELECT x.customer_id, x.env, usage_month_start(x.day_start, o.anchor), x.meter, min(x.aggregation),
       sum(x.sum_value), max(x.max_value), min(x.min_value), max(x.latest_at), (array_agg(x.latest_value ORDER BY x.latest_at DESC))[1]
FROM usage_days x JOIN usage_rollup_anchors o ON o.customer_id = x.customer_id
GROUP BY x.customer_id, x.env, usage_month_start(x.day_start, o.anchor), x.meter;
ALTER TABLE usage_months ADD CONSTRAINT usage_months_pkey PRIMARY KEY (customer_id, env, month_start, meter)
    INCLUDE (aggregation, sum_value, max_value, min_value, latest_at, latest_value);
SQL
sql -c "VACUUM ANALYZE" >/dev/null
HOUR_ROWS="$(sql -Atc "SELECT count(*) FROM usage_hours")"
DAY_ROWS="$(sql -Atc "SELECT count(*) FROM usage_days")"
MONTH_ROWS="$(sql -Atc "SELECT count(*) FROM usage_months")"
SEED_S="$(python3 -c "print(f'{($(now_ms) - $T0) / 1000:.0f}')")"
log "seeded in ${SEED_S}s: $HOUR_ROWS hourly rows (rollups: $DAY_ROWS days, $MONTH_ROWS months)"

# ------------------------------------------------------------------ simulate
TOKEN="$(curl -fs -d grant_type=password -d client_id=apimon-cli -d username=admin -d password=admin \
  "$ISSUER/protocol/openid-connect/token" | python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')"
BODY='{"plan": {"code": "bench", "version": 2}, "customers": {"all": true}, "periods": '"$MONTHS"', "segment_by": "region"}'
FIGURES=()
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((run = 1; run <= RUNS; run++)); do
  log "simulation $run/$RUNS: all customers, $MONTHS closed periods, plan bench v2 (draft) vs v1"
  START="$(now_ms)"
  ID="$(curl -fs -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$BODY" "$URL/v1/simulations" \
    | python3 -c 'import sys, json; print(json.load(sys.stdin)["id"])')"
  ACCEPTED="$(python3 -c "print(f'{($(now_ms) - $START) / 1000:.2f}')")"
  while :; do
    curl -fs -H "Authorization: Bearer $TOKEN" "$URL/v1/simulations/$ID" >"$WORK/result.json"
    STATUS="$(python3 -c 'import sys, json; print(json.load(open(sys.argv[1]))["status"])' "$WORK/result.json")"
    [[ "$STATUS" != running ]] && break
    sleep 0.05
  done
  ELAPSED="$(python3 -c "print(f'{($(now_ms) - $START) / 1000:.2f}')")"
  [[ "$STATUS" == completed ]] || die "simulation $ID ended $STATUS: $(cat "$WORK/result.json")"
  FIGURES+=("$ELAPSED")
  log "completed in ${ELAPSED}s (202 after ${ACCEPTED}s)"
done

python3 - "$WORK/result.json" <<'PY' >"$WORK/summary.txt"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  customers rated: {len(r['customers'])}, skipped: {len(r['skipped'])}, near a tier boundary or quota: {len(r['near_boundary'])}")
print(f"  revenue delta: {r['revenue_delta']} {r['currency']}; by region: " + ", ".join(f"{k} {v}" for k, v in r['by_segment'].items()))
PY

cat <<REPORT

rating-service simulation benchmark  $(date -u +%Y-%m-%dT%H:%MZ)  ($(nproc) cores, $(uname -r), PostgreSQL $(sql -Atc "SHOW server_version"))
  load average before the simulations: $LOAD_BEFORE (other work on the machine slows every figure below)
  data: $CUSTOMERS customers x $MONTHS months: $HOUR_ROWS hourly usage rows; rollups: $DAY_ROWS days, $MONTH_ROWS months (seeded in ${SEED_S}s)
  simulation (POST /v1/simulations -> GET status completed), all customers x $MONTHS periods: ${FIGURES[*]} s  (goal <= 10 s)
$(cat "$WORK/summary.txt")
  service log:
$(grep -o 'simulation sim_[a-z0-9]*: .*' "$WORK/service.log" | sed 's/^/    /')
REPORT
# one machine-readable line for bin/apimon bench: the best of the runs (the first pays for cold caches)
echo "BENCH customers=$CUSTOMERS months=$MONTHS simulation_s=$(printf '%s\n' "${FIGURES[@]}" | sort -g | head -1) simulation_runs_s=$(IFS=,; echo "${FIGURES[*]}")"

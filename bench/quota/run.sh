#!/usr/bin/env bash
# quota-service benchmark: POST /v1/checks with a realistic key mix, and in the same run the two baselines the
# issue names - the floor (a minimal Quarkus endpoint doing one Redis EVALSHA per request) and a Bucket4j +
# Lettuce limiter enforcing the same limit. Loopback only; bounded time (about 7 minutes with the defaults).
#
#   bench/quota/run.sh                 # DURATION=15 WARMUP=45 CONNECTIONS="8 16 32"
#   DURATION=30 CONNECTIONS="8" bench/quota/run.sh
#   ROUNDS=3 DURATION=10 CONNECTIONS=8 bench/quota/run.sh   # 3 interleaved windows per target, medians reported
#   CHECKS_JVM_OPTS="-XX:StartFlightRecording:settings=profile,method-profiling=max,filename=/tmp/q.jfr" bench/quota/run.sh
#                                      # extra JVM options for quota-service only (profiling); baselines unchanged
#   BENCH_JVM_OPTS="-Xms256m -Xmx512m -XX:+UseParallelGC" bench/quota/run.sh
#                                      # JVM options of all three targets (default: -Xms256m -Xmx512m)
#
# Needs: JDK 17, Maven, redis-server and wrk (Debian packages; installed with apt-get when missing and root).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DURATION="${DURATION:-15}"
ROUNDS="${ROUNDS:-1}"
WARMUP="${WARMUP:-45}"
CONNECTIONS="${CONNECTIONS:-8 16 32}"
WORK="$(mktemp -d /tmp/apimon-bench-quota.XXXXXX)"
PEPPER="bench-pepper-0123456789abcdef"
PIDS=()

log() { printf '[bench] %s\n' "$*" >&2; }

cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && { kill "$pid"; kill -CONT "$pid"; } 2>/dev/null || true # a stopped JVM gets TERM only once resumed
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log "installing $2 (apt-get)"
      DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q "$2" >"$WORK/apt-$2.log" 2>&1
    fi
    command -v "$1" >/dev/null 2>&1 || { echo "missing $1 (apt-get install -y $2)" >&2; exit 1; }
  fi
}
need wrk wrk
need redis-server redis-server

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_http() { # url what seconds [accepted status regex]
  local deadline=$((SECONDS + $3)) ok="${4:-^200$}"
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" =~ $ok ]]; do
    [ $SECONDS -lt $deadline ] || { echo "$2 not ready at $1; see $WORK" >&2; exit 1; }
    sleep 0.2
  done
}

mvn_quiet() { mvn -B -q -o "$@" >"$WORK/mvn.log" 2>&1 || mvn -B -q "$@" >>"$WORK/mvn.log" 2>&1 || { cat "$WORK/mvn.log" >&2; exit 1; }; }

# ---- build ----------------------------------------------------------------------------------------------------
log "building quota-service, the floor and the Bucket4j baseline"
# into the bench's own directory: a local stack (bin/apimon up) may be running target/quarkus-app right now
QUOTA_APP="$WORK/quota-app"
(cd "$ROOT" && mvn_quiet -pl quota-service -am package -DskipTests -Dquarkus.package.output-directory="$QUOTA_APP")
(cd "$HERE/floor" && mvn_quiet package -DskipTests)
(cd "$HERE/bucket4j" && mvn_quiet package -DskipTests)

# ---- Redis and Kafka (private, loopback) ----------------------------------------------------------------------
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
PIDS+=($!)
REDIS_PID=$!

KAFKA_LIBS="$ROOT/.cache/kafka/libs"
if ! ls "$KAFKA_LIBS"/kafka_2.13-*.jar >/dev/null 2>&1; then
  log "fetching the Kafka jars"
  mvn -B -q -f "$ROOT/infra/kafka/pom.xml" package >"$WORK/kafka-fetch.log" 2>&1
fi
KAFKA_PORT=$(free_port); KAFKA_CTRL=$(free_port)
cat >"$WORK/kafka.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CTRL
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CTRL
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$WORK/kafka-data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format --standalone \
  -t "$(java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid)" -c "$WORK/kafka.properties" >"$WORK/kafka-format.log" 2>&1
java -Xmx512m -Dkafka.logs.dir="$WORK/kafka-logs" -cp "$KAFKA_LIBS/*" kafka.Kafka "$WORK/kafka.properties" >"$WORK/kafka.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$KAFKA_PORT) 2>/dev/null && break; sleep 0.2; done

log "seeding plans, 1005 customers and their keys"
java -cp "$QUOTA_APP/lib/main/*" "$HERE/Seed.java" "127.0.0.1:$KAFKA_PORT" "$PEPPER" "$WORK/requests.tsv" 2>"$WORK/seed.log"

# ---- the measured runs ------------------------------------------------------------------------------------------
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
# the same JVM options for all three targets; BENCH_JVM_OPTS replaces them (e.g. to compare collectors)
read -r -a JVM_OPTS <<<"${BENCH_JVM_OPTS:--Xms256m -Xmx512m}"

to_ms() { # "812.00us" | "1.10ms" | "2.00s" -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; } # user nice system irq softirq, all cores

measure() { # name url connections wrk-args...
  local name=$1 url=$2 c=$3; shift 3
  local t=1; [ "$c" -ge 32 ] && t=2
  local out="$WORK/wrk-$name-c$c.txt"
  # CPU per request, from the kernel's accounting (clock ticks): the target's JVM, Redis, and the rest of the machine
  # (wrk, kernel networking, anything else) - where the cores went, so the ratios can be explained
  local jvm0 redis0 busy0 jvm1 redis1 busy1
  jvm0=$(proc_ticks "${APP_PID[$name]}"); redis0=$(proc_ticks "$REDIS_PID"); busy0=$(busy_ticks)
  wrk -t"$t" -c"$c" -d"${DURATION}s" --latency "$url" "$@" >"$out" 2>&1
  jvm1=$(proc_ticks "${APP_PID[$name]}"); redis1=$(proc_ticks "$REDIS_PID"); busy1=$(busy_ticks)
  local n; n=$(awk '/requests in/ {print $1}' "$out")
  local cpu; cpu=$(awk -v n="$n" -v hz="$(getconf CLK_TCK)" -v j=$((jvm1 - jvm0)) -v r=$((redis1 - redis0)) -v b=$((busy1 - busy0)) \
    'BEGIN { u = 1e6 / hz / (n > 0 ? n : 1); printf "%.0f\t%.0f\t%.0f", j * u, r * u, (b - j - r) * u }')
  local rps p50 p99 non2xx errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  non2xx=$(awk -F': ' '/Non-2xx/ {print $2}' "$out"); non2xx=${non2xx:-0}
  errors=$(awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10}' "$out"); errors=${errors:-0}
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$c" "$t" "$rps" "$p50" "$p99" "$((non2xx + errors))" "$cpu" >>"$RESULTS"
  log "$(printf '%-9s -t%s -c%-3s %10s req/s  p50 %6s ms  p99 %6s ms  errors %s  CPU us/req (JVM, Redis, rest) %s' \
    "$name" "$t" "$c" "$rps" "$p50" "$p99" "$((non2xx + errors))" "$(tr '\t' ' ' <<<"$cpu")")"
}

metrics() { curl -fs "$1/q/metrics" |
  grep -E '^apimon_quota_(checks_total|redis_failures_total|redis_batch_checks_(count|sum)|check_duration_seconds_(bucket|count))' || true; }

declare -A URL ARGS APP_PID
start_app() { # name jar port health-url health-status-regex url wrk-args...
  local name=$1 jar=$2 port=$3 health=$4 healthy=$5
  URL[$name]=$6; shift 6
  ARGS[$name]="$*"
  log "starting $name"
  local extra=()
  # shellcheck disable=SC2206 # separate JVM options
  [ "$name" = checks ] && extra=(${CHECKS_JVM_OPTS:-})
  java "${JVM_OPTS[@]}" "${extra[@]}" -Dquarkus.http.port="$port" -jar "$jar" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  APP_PID[$name]=$!
  wait_http "$health" "$name" 120 "$healthy"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
OIDC_URL="http://127.0.0.1:${APIMON_KEYCLOAK_PORT:-8180}/realms/apimon"
if curl -fs -o /dev/null "$OIDC_URL/.well-known/openid-configuration"; then
  export QUARKUS_OIDC_AUTH_SERVER_URL="$OIDC_URL"
else
  export QUARKUS_OIDC_TENANT_ENABLED=false # the bench needs no tokens
fi
QPORT=$(free_port)
QUARKUS_REDIS_HOSTS="redis://127.0.0.1:$REDIS_PORT" KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$KAFKA_PORT" \
  APIMON_KEYS_PEPPER="$PEPPER" QUARKUS_LOG_CONSOLE_JSON_ENABLED=false \
  start_app checks "$QUOTA_APP/quarkus-run.jar" "$QPORT" \
  "http://127.0.0.1:$QPORT/q/health/ready" '^200$' "http://127.0.0.1:$QPORT/v1/checks" -s "$HERE/checks.lua" -- /v1/checks "$WORK/requests.tsv"

FPORT=$(free_port)
QUARKUS_REDIS_HOSTS="redis://127.0.0.1:$REDIS_PORT" \
  start_app floor "$HERE/floor/target/quarkus-app/quarkus-run.jar" "$FPORT" \
  "http://127.0.0.1:$FPORT/floor" '^200$' "http://127.0.0.1:$FPORT/floor"

BPORT=$(free_port)
BENCH_REDIS_URI="redis://127.0.0.1:$REDIS_PORT" \
  start_app bucket4j "$HERE/bucket4j/target/quarkus-app/quarkus-run.jar" "$BPORT" \
  "http://127.0.0.1:$BPORT/v1/checks" '^(405|415)$' "http://127.0.0.1:$BPORT/v1/checks" -s "$HERE/checks.lua" -- /v1/checks "$WORK/requests.tsv"

# All three run at once (an idle JVM costs next to nothing) and the measured runs alternate between them at each
# connection count: on a shared machine the load drifts over minutes, and measuring one target after the other
# let that drift, not the targets, decide the ratios.
for name in checks floor bucket4j; do
  log "warming up $name (${WARMUP}s)"
  # shellcheck disable=SC2086 # ARGS holds separate wrk arguments (no spaces inside any of them)
  wrk -t1 -c16 -d"${WARMUP}s" "${URL[$name]}" ${ARGS[$name]} >/dev/null 2>&1 # JIT warm-up, not measured
done
metrics "http://127.0.0.1:$QPORT" >"$WORK/metrics-before.txt"
# While one target is measured the other two JVMs are stopped (SIGSTOP, resumed right after): an idle JVM's own
# threads (timers, Kafka fetches, GC) still wake up, and on 2 cores every extra runnable thread shows in the p99.
# ISOLATE=0 keeps all three running (the behaviour before 2026-11-21).
pause_others() { for n in checks floor bucket4j; do [ "$n" = "$1" ] || kill -STOP "${APP_PID[$n]}"; done; }
resume_all() { for n in checks floor bucket4j; do kill -CONT "${APP_PID[$n]}"; done; }
# ROUNDS > 1 repeats the interleaved windows and the summary takes each target's median: on a shared machine the
# speed changes from one 15-second window to the next (steal time), and one window per target can mislead
for c in $CONNECTIONS; do
  for _ in $(seq 1 "$ROUNDS"); do
    for name in checks floor bucket4j; do
      [ "${ISOLATE:-1}" = 1 ] && pause_others "$name"
      # shellcheck disable=SC2086
      measure "$name" "${URL[$name]}" "$c" ${ARGS[$name]}
      resume_all
    done
  done
done
# what the measured runs decided (difference of the counters), so a fail-open answer cannot hide in the figures
metrics "http://127.0.0.1:$QPORT" >"$WORK/metrics-after.txt"
awk 'NR == FNR { before[$1] = $2; next } { d = $2 - before[$1]; if (d > 0) printf "%s %d\n", $1, d }' \
  "$WORK/metrics-before.txt" "$WORK/metrics-after.txt" >"$WORK/checks-metrics.txt"

# ---- report ------------------------------------------------------------------------------------------------------
echo
echo "quota-service /v1/checks vs baselines - $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average at start: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %5s %4s %12s %9s %9s %7s   %s\n' target conns thr "req/s" "p50 ms" "p99 ms" errors "CPU us per request: JVM / Redis / rest (wrk, kernel)"
while IFS=$'\t' read -r n c t rps p50 p99 err jvm redis rest; do
  printf '%-10s %5s %4s %12s %9s %9s %7s   %s / %s / %s = %s\n' "$n" "$c" "$t" "$rps" "$p50" "$p99" "$err" "$jvm" "$redis" "$rest" \
    "$((jvm + redis + rest))"
done <"$RESULTS"
echo
# median of one column (4 = req/s, 6 = p99 ms) over a target's rounds at one connection count
median() { awk -F'\t' -v n="$1" -v c="$2" -v col="$3" '$1 == n && $2 == c { print $col }' "$RESULTS" | sort -g |
  awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
: >"$WORK/summary.tsv"
for c in $CONNECTIONS; do
  for name in checks floor bucket4j; do
    printf '%s\t%s\t%s\t%s\n' "$name" "$c" "$(median "$name" "$c" 4)" "$(median "$name" "$c" 6)" >>"$WORK/summary.tsv"
  done
  awk -F'\t' -v c="$c" -v rounds="$ROUNDS" '
    $2 == c { rps[$1] = $3; p99[$1] = $4 }
    END {
      if (rps["floor"] > 0 && rps["bucket4j"] > 0)
        printf "c=%s%s: checks %.0f req/s p99 %.2f ms = %.0f%% of the floor (%.0f req/s p99 %.2f ms), %.2fx Bucket4j (%.0f req/s p99 %.2f ms)\n",
               c, (rounds > 1 ? (" (medians of " rounds " rounds)") : ""), rps["checks"], p99["checks"],
               100 * rps["checks"] / rps["floor"], rps["floor"], p99["floor"], rps["checks"] / rps["bucket4j"], rps["bucket4j"], p99["bucket4j"]
    }' "$WORK/summary.tsv"
done
echo
echo "decisions of the measured checks runs (counter increments; degraded=\"true\" would be answers without Redis):"
grep -v '^apimon_quota_check_duration' "$WORK/checks-metrics.txt" | sed 's/^/  /' || true
# the service's own time per check (request read -> decision written), from its timer's fixed buckets: what of wrk's
# p99 the service spent, and what the client, the kernel and the scheduler added
awk '/^apimon_quota_check_duration_seconds_count/ { n = $2 }
  /^apimon_quota_check_duration_seconds_bucket/ { if (match($1, /le="[^"]+"/)) le[substr($1, RSTART + 4, RLENGTH - 5) + 0] = $2 }
  END { if (n > 0) printf "  in the service (request read -> decision written): %.2f%% within 1 ms, %.2f%% within 2 ms, %.3f%% over 20 ms\n",
        100 * le[0.001] / n, 100 * le[0.002] / n, 100 * (n - le[0.02]) / n }' "$WORK/checks-metrics.txt"
# checks per call to Redis (quota-service batches the checks one event loop read in one turn)
awk '/^apimon_quota_redis_batch_checks_count/ { n = $2 } /^apimon_quota_redis_batch_checks_sum/ { s = $2 }
  END { if (n > 0) printf "  %d checks in %d calls to Redis: %.2f checks per call\n", s, n, s / n }' "$WORK/checks-metrics.txt"
echo "raw wrk output and logs: $WORK"
# one machine-readable line for bin/apimon bench: the first connection count (8 by default)
awk -F'\t' -v c="${CONNECTIONS%% *}" '$2 == c { rps[$1] = $3; p99[$1] = $4 }
  END { printf "BENCH conns=%s checks_per_s=%s checks_p99_ms=%s floor_per_s=%s floor_p99_ms=%s bucket4j_per_s=%s bucket4j_p99_ms=%s\n",
        c, rps["checks"], p99["checks"], rps["floor"], p99["floor"], rps["bucket4j"], p99["bucket4j"] }' "$WORK/summary.tsv"

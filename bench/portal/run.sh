#!/usr/bin/env bash
# portal benchmark: ingest -> live spend on the portal. Each probe POSTs one usage event to usage-service and times,
# from the moment the 202 came back, until the customer's SSE stream GET /api/me/spend/stream (portal-bff) sends a
# spend whose total includes that event. Same-run baseline: until rating-service's GET /v1/customers/{id}/spend
# (polled) shows it. Goal: p99 <= 1 s. Ends with "BENCH spend_stream_p99_ms=<v> baseline_p99_ms=<v>".
#
# Needs a running stack: bin/apimon up --no-demo (or bin/apimon up); exits 2 if none answers on 8080-8085.
# What it creates (idempotently): meter bench_portal_units, plan bench-portal (0.01 USD per unit, otherwise the
# demo's Free plan), and the customer of the realm's user bob, cus_demo_bob, on that plan. When the demo already
# owns cus_demo_bob (another plan) it leaves it alone and uses a Keycloak user bench-portal (customer_id
# cus_bench_portal) instead, created through Keycloak's admin API (kcadmin/kcadmin, the local realm only).
#
#   bench/portal/run.sh                       # PROBES=200 RATE=5 (probes/s) LOAD_RATE=0 POLL_MS=20
#   LOAD_RATE=300 bench/portal/run.sh         # with 300 background events/s for 10 other customers
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }

declare -A NAMES=([8080]=portal-bff [8081]=key-service [8082]=quota-service [8083]=usage-service [8084]=rating-service [8085]=invoice-service)
answering=() missing=()
for port in 8080 8081 8082 8083 8084 8085; do
  if curl -s -o /dev/null --max-time 3 "http://127.0.0.1:$port/q/health/ready"; then answering+=("$port"); else missing+=("$port"); fi
done
if [[ ${#answering[@]} -eq 0 ]]; then
  echo "no apimon stack answers on 127.0.0.1:8080-8085: start one with bin/apimon up --no-demo (or bin/apimon up)" >&2
  exit 2
fi
for port in 8080 8081 8083 8084; do   # the services the probes go through (quota and invoice are not needed)
  if ! curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:$port/q/health/ready"; then
    echo "${NAMES[$port]} on :$port is not ready (bin/apimon status says why); the bench needs portal-bff, key-, usage- and rating-service" >&2
    exit 2
  fi
done

exec python3 "$HERE/spend_stream_bench.py" "$@"

#!/usr/bin/env bash
# Benchmark: one billing run closes the periods of N subscriptions (default 10,000) — goal ≤ 60 s.
# Runs PeriodCloseBench (a @QuarkusTest) against the same real PostgreSQL, Kafka and Keycloak as the tests, with the
# local rating-service stand-in; prints the figures (also in invoice-service/target/bench/period-close.txt).
#   invoice-service/bench/close-periods.sh [N]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
n="${1:-10000}"
cd "$root"
mvn -B -q -o -pl invoice-service test -Dtest=PeriodCloseBench -Dapimon.bench=true -Dbench.subscriptions="$n" \
    -Dsurefire.failIfNoSpecifiedTests=false
cat invoice-service/target/bench/period-close.txt

#!/usr/bin/env bash
# invoice-service benchmark: one billing run closes the periods of N subscriptions (default 10,000) — goal <= 60 s.
# Runs PeriodCloseBench (a @QuarkusTest, skipped in normal test runs) against the same real PostgreSQL, Kafka and
# Keycloak as the tests, with the local rating-service stand-in; prints the figures (also written to
# invoice-service/target/bench/period-close.txt). Needs the module's dependencies installed once
# (`mvn -B -q install -DskipTests`, which bin/apimon up / test do) and Keycloak (bin/apimon infra keycloak).
#   bench/invoice/run.sh [N]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
n="${1:-10000}"
cd "$root"
mvn -B -q -pl invoice-service test -Dtest=PeriodCloseBench -Dapimon.bench=true -Dbench.subscriptions="$n" \
    -Dsurefire.failIfNoSpecifiedTests=false
cat invoice-service/target/bench/period-close.txt

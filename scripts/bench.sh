#!/usr/bin/env bash
# `npm run bench`: every benchmark of the project in one run, on the local servers of
# scripts/infra.sh (started if needed, never stopped: others may share them). Each figure is
# printed beside its anchor from the same run, as min/median/max of BENCH_RUNS runs.
# Benchmarks print figures; they never fail a build by time.
#
#   bash scripts/bench.sh            (BENCH_RUNS=3, BENCH_SECONDS=15, BENCH_OVERLOAD_SECONDS=60)
# The OpenTelemetry Collector anchor is built by bench/otelcol/build.sh (about 2.5 min, Go toolchain
# and module proxy) when it is missing; OTELCOL_BUILD=0 skips it (the bench then runs without it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin"
export BENCH_RUNS="${BENCH_RUNS:-3}"
WORK="${BENCH_DIR:-/tmp/mcptap-bench}"
export OTELCOL_BIN_DIR="${OTELCOL_BIN_DIR:-/tmp/otelcol-bench/bin}"
export OTLP_REPLAY="$WORK/otlp-replay"
mkdir -p "$WORK"

bash scripts/infra.sh start kafka clickhouse alertmanager

echo "== tools"
(cd bench/otlp-replay && go build -o "$OTLP_REPLAY" .)
if { [ ! -x "$OTELCOL_BIN_DIR/otelcol-anchor" ] || [ ! -x "$OTELCOL_BIN_DIR/spancount" ]; } && [ "${OTELCOL_BUILD:-1}" = 1 ]; then
  BENCH_DIR="$(dirname "$OTELCOL_BIN_DIR")" bash bench/otelcol/build.sh
fi

echo "== machine"
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), Node $(node --version), $(date -u +%Y-%m-%dT%H:%MZ)"

echo "== collector vs the OpenTelemetry Collector"
node --import tsx bench/collector-vs-otelcol.ts

echo "== sink vs clickhouse-client"
node --import tsx bench/sink-throughput.ts

echo "== detectors: in-process, then through Kafka to Alertmanager at a fixed rate"
node --import tsx bench/detectors-throughput.ts --kafka --runs "$BENCH_RUNS"

for extra in bench/argument-shape.ts bench/secrets-throughput.ts bench/collector-masking.ts bench/audit-seal.ts bench/shim-latency.ts bench/local-throughput.ts \
  bench/local-install-size.ts; do
  echo "== $extra"
  node --import tsx "$extra"
done

#!/usr/bin/env bash
# Builds the anchor of bench/collector-vs-otelcol.ts: the OpenTelemetry Collector (core + contrib
# kafkaexporter, one release) with the OpenTelemetry Collector Builder, and spancount, into
# $BENCH_DIR/bin (default /tmp/otelcol-bench/bin). Nothing is installed system-wide except the Go
# module and build caches. Recipe taken from the team's shared anchor (bench/otelcol/README.md).
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"
OTEL_VERSION="${OTEL_VERSION:-v0.165.0}"
BENCH_DIR="${BENCH_DIR:-/tmp/otelcol-bench}"
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$BENCH_DIR/bin" "$BENCH_DIR/gobin"

# 1. The OpenTelemetry Collector Builder (ocb).
if [ ! -x "$BENCH_DIR/gobin/builder" ]; then
  GOBIN="$BENCH_DIR/gobin" go install "go.opentelemetry.io/collector/cmd/builder@${OTEL_VERSION}"
fi

# 2. The collector, from the manifest with the version substituted.
sed -e "s/@OTEL_VERSION@/${OTEL_VERSION}/g" -e "s#@OUT@#${BENCH_DIR}/otelcol-src#g" \
  "$HERE/manifest.yaml.in" > "$BENCH_DIR/manifest.yaml"
"$BENCH_DIR/gobin/builder" --config "$BENCH_DIR/manifest.yaml"
cp "$BENCH_DIR/otelcol-src/otelcol-anchor" "$BENCH_DIR/bin/otelcol-anchor"

# 3. spancount: decodes the anchor's topic (otlp_proto) and counts its spans, with the pdata and
#    franz-go versions of the collector.
(cd "$HERE/tools" && go build -o "$BENCH_DIR/bin/spancount" ./spancount)

"$BENCH_DIR/bin/otelcol-anchor" components | grep -E "module:"
echo "built: otelcol-anchor spancount in $BENCH_DIR/bin"

#!/usr/bin/env bash
# Builds the project (release preset), starts adot-collector with its embedded local default
# (OTLP on localhost:4317/4318, batch, debug + file exporters, health check on :13133), sends the
# quick-start example's spans to it, shows where they landed, and leaves the collector running.
#
# With OTEL_EXPORTER_OTLP_ENDPOINT already set, only the example runs, sending there.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
if [ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]; then
  cmake --build --preset release --target quickstart
  exec build/release/examples/quickstart/quickstart "$@"
fi
cmake --build --preset release --target quickstart adot-collector

data_dir="${ADOT_COLLECTOR_DATA_DIR:-$PWD/adot-collector-data}"
mkdir -p "$data_dir"
log="$data_dir/collector.log"
ADOT_COLLECTOR_DATA_DIR="$data_dir" build/release/src/collector/adot-collector >"$log" 2>&1 &
collector=$!
trap 'kill $collector 2>/dev/null || true' INT TERM

# Wait (at most 10 s) for the health check to report ready.
for _ in $(seq 100); do
  if curl -fs http://localhost:13133/ >/dev/null 2>&1; then break; fi
  if ! kill -0 "$collector" 2>/dev/null; then
    echo "adot-collector did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done

OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 OTEL_SERVICE_NAME="${OTEL_SERVICE_NAME:-petlistadoptions-cpp}" \
  build/release/examples/quickstart/quickstart "$@"
sleep 1.5  # the collector's batch processor sends within its timeout

cat <<MSG

The spans went through adot-collector (pid $collector):
  - as OTLP/JSON lines in  $data_dir/traces.jsonl
  - on the debug exporter  $log
  - self-telemetry at      http://localhost:8888/metrics
traces.jsonl holds $(grep -o '"spanId"' "$data_dir/traces.jsonl" | wc -l) spans so far.

adot-collector keeps running on localhost:4317 (gRPC) and localhost:4318 (HTTP) for your own
services: point OTEL_EXPORTER_OTLP_ENDPOINT at http://localhost:4318. Press Ctrl-C to stop it.
MSG
wait "$collector"

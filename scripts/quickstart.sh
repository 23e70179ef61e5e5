#!/usr/bin/env bash
# Builds the project (release preset) and runs the quick-start example. With
# OTEL_EXPORTER_OTLP_ENDPOINT set the spans go there over OTLP/HTTP; otherwise they are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release
cmake --build --preset release --target quickstart
build/release/examples/quickstart/quickstart "$@"

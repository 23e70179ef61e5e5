#!/usr/bin/env bash
# Builds everything (release preset) and runs the whole test suite. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release
cmake --build --preset release
ctest --preset release --output-on-failure -j2

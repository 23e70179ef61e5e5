#!/usr/bin/env bash
# Installs every Debian package adot-cpp needs to build, test and benchmark (Debian 12).
# CI (.ci/run) and users run this same script. Safe to run again.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config git
  # SDK and exporters
  libcurl4-openssl-dev libssl-dev zlib1g-dev
  # OTLP/gRPC exporter, collector, interop-test decoders
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  # collector
  libboost-dev libyaml-cpp-dev libsimdjson-dev libcli11-dev libnghttp2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev nodejs curl
)

# Node.js builds that bundle npm conflict with Debian's npm package: ask for it only when absent.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# >>> interop-test npm packages (tests/interop/js) >>>
# The interop tests' OTLP sink uses the official OpenTelemetry JS packages, pinned by
# tests/interop/js/package-lock.json. `npm ci` runs only when node_modules is missing or older than
# the lock file, so running this script again does nothing. --prefer-offline takes what the npm
# cache already has without asking the registry; when the registry cannot be reached, --offline
# installs from the cache alone. No package needs an install script (--ignore-scripts).
interop_js="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/interop/js"
if [ -f "$interop_js/package-lock.json" ]; then
  installed_lock="$interop_js/node_modules/.package-lock.json"
  if [ ! -f "$installed_lock" ] || [ "$interop_js/package-lock.json" -nt "$installed_lock" ]; then
    echo "install-deps: npm ci in tests/interop/js"
    npm_flags=(--prefix "$interop_js" --ignore-scripts --no-audit --no-fund --loglevel=error)
    npm ci "${npm_flags[@]}" --prefer-offline || npm ci "${npm_flags[@]}" --offline
  else
    echo "install-deps: tests/interop/js node_modules up to date"
  fi
fi
# <<< interop-test npm packages <<<

# >>> propagation interop npm packages (tests/interop/propagation/js) >>>
# The propagation interop test extracts its header cases with the official OpenTelemetry JS
# propagators, pinned by tests/interop/propagation/js/package-lock.json. Same rules as above: `npm ci`
# only when node_modules is missing or older than the lock file, cache first, no install scripts.
propagation_js="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/interop/propagation/js"
if [ -f "$propagation_js/package-lock.json" ]; then
  installed_lock="$propagation_js/node_modules/.package-lock.json"
  if [ ! -f "$installed_lock" ] || [ "$propagation_js/package-lock.json" -nt "$installed_lock" ]; then
    echo "install-deps: npm ci in tests/interop/propagation/js"
    npm_flags=(--prefix "$propagation_js" --ignore-scripts --no-audit --no-fund --loglevel=error)
    npm ci "${npm_flags[@]}" --prefer-offline || npm ci "${npm_flags[@]}" --offline
  else
    echo "install-deps: tests/interop/propagation/js node_modules up to date"
  fi
fi
# <<< propagation interop npm packages <<<

# >>> collector JS peer npm packages (tests/interop/collector-js) >>>
# The collector integration test sends spans, metrics and logs with the official OpenTelemetry JS
# SDK and OTLP exporters, pinned by tests/interop/collector-js/package-lock.json. Same rules as
# above: `npm ci` only when node_modules is missing or older than the lock file, cache first, no
# install scripts.
collector_js="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/interop/collector-js"
if [ -f "$collector_js/package-lock.json" ]; then
  installed_lock="$collector_js/node_modules/.package-lock.json"
  if [ ! -f "$installed_lock" ] || [ "$collector_js/package-lock.json" -nt "$installed_lock" ]; then
    echo "install-deps: npm ci in tests/interop/collector-js"
    npm_flags=(--prefix "$collector_js" --ignore-scripts --no-audit --no-fund --loglevel=error)
    npm ci "${npm_flags[@]}" --prefer-offline || npm ci "${npm_flags[@]}" --offline
  else
    echo "install-deps: tests/interop/collector-js node_modules up to date"
  fi
fi
# <<< collector JS peer npm packages <<<

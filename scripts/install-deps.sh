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
  # instrumentation libraries (and the servers their tests run on loopback)
  libcpp-httplib-dev libsqlite3-dev libpq-dev postgresql
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

# >>> test npm packages >>>
# The interop tests use the official OpenTelemetry JS packages, each folder pinned by its
# package-lock.json: tests/interop/js (an OTLP sink decoding with the JS generated code),
# tests/interop/propagation/js (the JS propagators), tests/interop/collector-js (the JS SDK and OTLP
# exporters sending spans, metrics and logs to the collector), tests/interop/sigv4-js (the aws4
# package, an independent SigV4 signer checking the collector's sigv4auth signatures). `npm ci` runs
# only when node_modules is missing or older than the lock file, so running this script again does
# nothing.
# --prefer-offline takes what the npm cache already has without asking the registry; when that
# fails (a cached package list older than the lock file), a plain `npm ci` asks the registry; when
# the registry cannot be reached, --offline installs from the cache alone. No package needs an
# install script (--ignore-scripts).
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
npm_ci_pinned() {
  local dir="$repo/$1"
  [ -f "$dir/package-lock.json" ] || return 0
  local installed_lock="$dir/node_modules/.package-lock.json"
  if [ ! -f "$installed_lock" ] || [ "$dir/package-lock.json" -nt "$installed_lock" ]; then
    echo "install-deps: npm ci in $1"
    local npm_flags=(--prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error)
    npm ci "${npm_flags[@]}" --prefer-offline || npm ci "${npm_flags[@]}" || npm ci "${npm_flags[@]}" --offline
  else
    echo "install-deps: $1 node_modules up to date"
  fi
}
npm_ci_pinned tests/interop/js
npm_ci_pinned tests/interop/propagation/js
npm_ci_pinned tests/interop/collector-js
npm_ci_pinned tests/interop/sigv4-js
npm_ci_pinned tests/interop/xray-js
# <<< test npm packages <<<

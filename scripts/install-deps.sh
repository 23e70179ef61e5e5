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
  libboost-dev libyaml-cpp-dev libsimdjson-dev libcli11-dev
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
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

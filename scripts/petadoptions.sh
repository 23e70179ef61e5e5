#!/usr/bin/env bash
# The petadoptions example in one command (docs/examples.md):
#   1. builds what it needs (release preset: adot-collector and examples/petadoptions);
#   2. starts adot-collector with its local default (traces as OTLP/JSON lines in
#      adot-collector-data/traces.jsonl), moved to free ports on 127.0.0.1;
#   3. starts petsearch, payforadoption and petlistadoptions on free ports on 127.0.0.1, sharing a
#      sqlite database in a temporary folder (or PostgreSQL: set PETADOPTIONS_PG_CONNINFO);
#   4. runs petsite-traffic, the petsite front end: VISITS visits (default 20, at most 120 s);
#   5. stops everything it started (also on Ctrl-C or an error) and prints the first visit's
#      trace as a tree, with one line saying whether every visit's trace spans the three
#      services and the database.
#
#   bash scripts/petadoptions.sh [VISITS]
#
# ADOT_BUILD_DIR: another configured build folder to use instead of build/release.
# ADOT_COLLECTOR_DATA_DIR: where the collector writes (default ./adot-collector-data).
set -euo pipefail
cd "$(dirname "$0")/.."

visits="${1:-20}"
if ! [[ "$visits" =~ ^[1-9][0-9]{0,3}$ ]]; then
  echo "usage: bash scripts/petadoptions.sh [VISITS]   (1 to 9999, default 20)" >&2
  exit 2
fi

build="${ADOT_BUILD_DIR:-build/release}"
if [ ! -f "$build/build.ninja" ]; then
  if [ "$build" != build/release ]; then
    echo "ADOT_BUILD_DIR=$build is not a configured build folder" >&2
    exit 1
  fi
  cmake --preset release >/dev/null
fi
cmake --build "$build" --target adot-collector petadoptions
bin="$build/examples/petadoptions"
for program in petsearch payforadoption petlistadoptions petsite-traffic petadoptions-traces; do
  if [ ! -x "$bin/$program" ]; then
    echo "$bin/$program was not built: see the cmake output above (sqlite3 and cpp-httplib are needed;" \
         "bash scripts/install-deps.sh installs them)" >&2
    exit 1
  fi
done

data_dir="${ADOT_COLLECTOR_DATA_DIR:-$PWD/adot-collector-data}"
mkdir -p "$data_dir"
work="$(mktemp -d "${TMPDIR:-/tmp}/petadoptions.XXXXXX")"
pids=()

# Stops a process this script started: SIGTERM (the services and the collector flush their
# telemetry), then SIGKILL after $3 seconds.
stop() {
  local pid="$1" name="$2" seconds="$3"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq $((seconds * 10))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      { wait "$pid"; } 2>/dev/null || true
      return 0
    fi
    sleep 0.1
  done
  echo "$name did not stop within ${seconds}s: killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  { wait "$pid"; } 2>/dev/null || true
}
cleanup() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop "${pids[i]}" "process ${pids[i]}" 10; done
  pids=()
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port on 127.0.0.1 that nothing answers on, not handed out before by this script. Below the
# kernel's ephemeral range (32768 and up by default), where the ports of outgoing connections are.
used_ports=" "
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 12000))
    if [[ "$used_ports" != *" $port "* ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      used_ports+="$port "
      echo "$port"
      return 0
    fi
  done
  echo "no free port found on 127.0.0.1" >&2
  return 1
}

# The collector: its embedded local default, with every endpoint on a free loopback port (another
# set of ports if one was taken meanwhile).
collector_log="$data_dir/petadoptions-collector.log"
for attempt in 1 2 3; do
  grpc_port=$(free_port); http_port=$(free_port); health_port=$(free_port); metrics_port=$(free_port)
  ADOT_COLLECTOR_DATA_DIR="$data_dir" "$build/src/collector/adot-collector" \
    --set="receivers::otlp::protocols::grpc::endpoint=127.0.0.1:$grpc_port" \
    --set="receivers::otlp::protocols::http::endpoint=127.0.0.1:$http_port" \
    --set="extensions::health_check::endpoint=127.0.0.1:$health_port" \
    --set="service::telemetry::metrics::address=127.0.0.1:$metrics_port" \
    >"$collector_log" 2>&1 &
  collector=$!
  pids=("$collector")  # the first process started; a failed attempt has exited
  ready=""
  for _ in $(seq 100); do  # at most 10 s
    if curl -fs "http://127.0.0.1:$health_port/" >/dev/null 2>&1; then ready=1; break; fi
    if ! kill -0 "$collector" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ -n "$ready" ] || ! grep -q "already in use" "$collector_log"; then break; fi
done
if [ -z "$ready" ]; then
  echo "adot-collector did not start:" >&2
  cat "$collector_log" >&2
  exit 1
fi
echo "adot-collector: OTLP/HTTP on 127.0.0.1:$http_port, traces to $data_dir/traces.jsonl"

# What every program gets: OTEL_* variables only (the services read nothing else for telemetry).
export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$http_port"
export OTEL_RESOURCE_DETECTORS="env,host,os,process"  # nothing to detect off AWS: no lookups
export OTEL_BSP_SCHEDULE_DELAY=200                      # export within 0.2 s, for this demo
if [ -z "${PETADOPTIONS_PG_CONNINFO:-}" ]; then
  export PETADOPTIONS_SQLITE_PATH="$work/petadoptions.db"
fi

# Starts a service on a free port; sets $url to where it listens.
start_service() {
  local name="$1" log="$work/$1.log" pid port=""
  : >"$log"
  OTEL_SERVICE_NAME="$name" PORT=0 "$bin/$name" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do  # at most 10 s
    port=$(sed -n 's/^.*: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
    if [ -n "$port" ]; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "$name did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "$name: listening on 127.0.0.1:$port"
  url="http://127.0.0.1:$port"
}
start_service petsearch
export PETSEARCH_URL="$url"
start_service payforadoption
export PAYFORADOPTION_URL="$url"
start_service petlistadoptions
export PETLISTADOPTIONS_URL="$url"

# The traffic, in the background so that a signal to this script is handled at once (bash runs
# traps only between commands); its output is shown as it comes.
echo
server_pids=("${pids[@]}")
: >"$work/traffic.log"
OTEL_SERVICE_NAME=petsite "$bin/petsite-traffic" --visits "$visits" --seconds 120 \
  >"$work/traffic.log" 2>&1 &
traffic=$!
pids+=("$traffic")
tail -s 0.1 --pid="$traffic" -n +1 -f "$work/traffic.log" &
tail_pid=$!
pids+=("$tail_pid")
traffic_status=0
wait "$traffic" || traffic_status=$?
wait "$tail_pid" || true  # the rest of the output
pids=("${server_pids[@]}")

# Stop the services (they flush their spans), then the collector (it drains to the file).
for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop "${pids[i]}" "process ${pids[i]}" 20; done
pids=()

mapfile -t trace_ids < <(sed -n 's/^visit [0-9]*: trace \([0-9a-f]\{32\}\) .*$/\1/p' "$work/traffic.log")
if [ "${#trace_ids[@]}" -eq 0 ]; then
  echo "petsite-traffic made no visit" >&2
  exit 1
fi
viewer_status=0
"$bin/petadoptions-traces" "$data_dir/traces.jsonl" "${trace_ids[@]}" || viewer_status=$?

cat <<MSG

The spans went through adot-collector to $data_dir/traces.jsonl (OTLP/JSON lines; its log is
$collector_log). Print any visit's trace with
  $bin/petadoptions-traces $data_dir/traces.jsonl <trace id>
MSG
if [ "$traffic_status" -ne 0 ] || [ "$viewer_status" -ne 0 ]; then exit 1; fi

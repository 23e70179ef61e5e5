#!/usr/bin/env bash
# Collector load benchmark (issue 5): runs adot-collector as a black box speaking OTLP on 127.0.0.1,
# pinned to CPU 0, with the load generator and the counting sink pinned to CPU 1, and reads the
# collector's CPU time (utime + stime) and RSS from /proc.
#
#   bash bench/collector/load/run.sh [--quick | --smoke] [--build-dir DIR] [--only "SCENARIO ..."]
#
# Needs, built in DIR (default: build/bench-load, else build/release):
#   ninja -C DIR adot-collector collector_loadgen collector_loadsink collector_benchutil
#
# Scenarios (full run ≈ 5-7 minutes; --quick ≈ 2.5-3.5 minutes; --smoke ≈ 10 s, used by ctest;
# --only runs the named ones):
#   idle      RSS 5 s after start: the embedded default config (in a temp dir; skipped if its fixed
#             ports are taken) and a minimal OTLP/gRPC in → batch → OTLP/gRPC out config
#   startup   exec → health_check answers 200, median of 20 runs (CLOCK_MONOTONIC)
#   size      the binary, stripped
#   10k       10,000 spans/s (100 spans per request) for 30 s, gRPC → batch → gRPC sink, with the
#             exporter's compression off; the same with the Go collector testbed's smaller spans;
#             with gzip (the otlp exporter's default); and over OTLP/HTTP
#   sat       closed loop (a fixed number of requests in flight) to find the highest delivered rate,
#             then an open-loop run at 90 % of it checked for zero loss; pass-through and with an
#             attributes processor (one upsert)
#   overload  memory_limiter (limit 64 MiB) → attributes → batch → otlp; the sender generates 3× the
#             measured capacity of the attributes pipeline for 20 s (the pass-through capacity is
#             beyond what one load core can offer), at most 256 requests in flight, retrying refusals
#             with back-off; the data it could not send yet waits in the sender; then it keeps
#             sending and retrying until everything is delivered (at most 120 s more)
#   slow      memory_limiter (check every 100 ms) → batch → otlp into a sink that takes at most
#             50,000 spans/s; the sender generates 150,000 spans/s for half the overload time,
#             retrying refusals: the memory_limiter must refuse (retryably), RSS stay within its
#             limit + 10 %, and everything arrive once the sender stops generating
#
# Exit status: 1 when a scenario that must not lose data lost some (sent and accepted ≠ received), or
# a tool failed (the table is printed first, unless a tool failed mid-run).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
mode=full
build=""
only=""
while (($#)); do
  case "$1" in
    --quick) mode=quick ;;
    --smoke) mode=smoke ;;
    --build-dir) build="$2"; shift ;;
    --build-dir=*) build="${1#*=}" ;;
    --only) only="$2"; shift ;;
    -h|--help) sed -n '2,28p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$build" ]]; then
  for d in "$repo/build/bench-load" "$repo/build/release"; do
    [[ -x "$d/bench/collector/load/collector_loadgen" ]] && { build="$d"; break; }
  done
fi
[[ -n "$build" ]] || { echo "run.sh: no build dir with collector_loadgen; pass --build-dir" >&2; exit 2; }
build=$(cd "$build" && pwd)
collector="$build/src/collector/adot-collector"
loadgen="$build/bench/collector/load/collector_loadgen"
loadsink="$build/bench/collector/load/collector_loadsink"
benchutil="$build/bench/collector/load/collector_benchutil"
for b in "$collector" "$loadgen" "$loadsink" "$benchutil"; do
  [[ -x "$b" ]] || { echo "run.sh: missing $b (ninja -C $build adot-collector collector_loadgen collector_loadsink collector_benchutil)" >&2; exit 2; }
done

# Parameters per mode.
case "$mode" in
  full)  idle_s=5; startup_runs=20; rate10k=10000; d10k=30; d10k_var=15; sat_s=10; over_s=20; drain_s=120 ;;
  quick) idle_s=3; startup_runs=10; rate10k=10000; d10k=10; d10k_var=5;  sat_s=5;  over_s=8;  drain_s=60 ;;
  smoke) idle_s=1; startup_runs=3;  rate10k=2000;  d10k=3;  d10k_var=0;  sat_s=0;  over_s=0;  drain_s=0 ;;
esac
ml_limit_mib=${ML_LIMIT_MIB:-64}
ml_check=${ML_CHECK_INTERVAL:-1s}

# CPU 0: the collector; CPU 1: load generator and sink. On a 1-CPU machine everything shares CPU 0.
ncpu=$(nproc)
cpu_coll=0
cpu_load=$((ncpu > 1 ? 1 : 0))
pin_coll=(taskset -c "$cpu_coll")
pin_load=(taskset -c "$cpu_load")
tck=$(getconf CLK_TCK)

work=$(mktemp -d /tmp/adot-collector-load.XXXXXX)
pids=()  # processes this script started, killed by pid on exit
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
failed=0
rows=()

log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# utime + stime of every thread of a process, in clock ticks (fields 14, 15 after the ")" of comm).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# Busy ticks of one CPU from /proc/stat (user nice system irq softirq steal): with the collector pinned
# to CPU 0, CPU 0's busy time minus the collector's is what other processes (other people's builds on
# this shared machine) took from it.
cpu_busy() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }

sink_args=()  # extra collector_loadsink arguments for the next scenarios (a slow backend)
start_sink() {
  local attempt
  for attempt in 1 2 3; do
    "${pin_load[@]}" "$loadsink" --stats-interval-ms 100 "${sink_args[@]}" >"$work/sink.out" 2>"$work/sink.err" &
    sink_pid=$!
    pids+=("$sink_pid")
    for _ in $(seq 500); do  # up to 10 s: grpc's start-up is slow when the machine is busy
      grep -q '^ready' "$work/sink.out" 2>/dev/null && break
      kill -0 "$sink_pid" 2>/dev/null || break
      sleep 0.02
    done
    local ready
    if ready=$(grep '^ready' "$work/sink.out"); then
      sink_grpc=$(kv "$ready" grpc)
      sink_http=$(kv "$ready" http)
      return 0
    fi
    # Seen twice on the busy shared VM: the sink neither ready nor exited after 15 s. Keep the stacks
    # for a diagnosis and try again.
    log "the sink did not start (attempt $attempt, $(kill -0 "$sink_pid" 2>/dev/null && echo 'still running' || echo exited))"
    if kill -0 "$sink_pid" 2>/dev/null && command -v gdb >/dev/null; then
      gdb -batch -p "$sink_pid" -ex 'thread apply all bt' >"$repo/build/collector-loadsink-hang.$attempt.txt" 2>&1 || true
      log "stacks in $repo/build/collector-loadsink-hang.$attempt.txt"
    fi
    cat "$work/sink.err" >&2
    kill -KILL "$sink_pid" 2>/dev/null || true
    wait "$sink_pid" 2>/dev/null || true
  done
  echo "run.sh: the sink did not start" >&2
  exit 1
}
sink_spans() { awk '$1 == "stats" { l = $2 } END { sub("spans=", "", l); print l + 0 }' "$work/sink.out"; }
stop() {  # pid: SIGTERM and wait (the collector drains, the sink prints its last line)
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# write_config FILE PROCESSORS [COMPRESSION]: OTLP (gRPC + HTTP) in → PROCESSORS → otlp (gRPC) to the sink.
write_config() {
  read -r recv_grpc recv_http health metrics < <("$benchutil" free-ports 4)
  cat >"$1" <<EOF
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:$recv_grpc"}
      http: {endpoint: "127.0.0.1:$recv_http"}
processors:
  batch: {}
  attributes:
    actions: [{key: bench.tag, value: "load-test", action: upsert}]
  memory_limiter: {check_interval: $ml_check, limit_mib: $ml_limit_mib}
exporters:
  otlp:
    endpoint: "127.0.0.1:${sink_grpc:-4317}"
    tls: {insecure: true}
    compression: ${3:-none}
extensions:
  health_check: {endpoint: "127.0.0.1:$health"}
service:
  extensions: [health_check]
  telemetry:
    logs: {level: warn}
    metrics: {address: "127.0.0.1:$metrics"}
  pipelines:
    traces: {receivers: [otlp], processors: [$2], exporters: [otlp]}
EOF
}

wait_healthy() {  # port, pid
  for _ in $(seq 1000); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}

start_collector() {  # config [workdir]
  (cd "${2:-$work}" && exec "${pin_coll[@]}" "$collector" ${1:+--config "$1"}) >"$work/collector.log" 2>&1 &
  coll_pid=$!
  pids+=("$coll_pid")
}

metric() {  # name: the sum over all label sets of one otelcol_* series
  awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%d", s }' "$work/metrics.txt"
}

# ---- idle RSS

idle() {  # label config-or-empty workdir
  start_collector "$2" "$3"
  local hp=${health:-13133}
  [[ -z "$2" ]] && hp=13133
  wait_healthy "$hp" "$coll_pid" || { log "idle ($1): not healthy"; cat "$work/collector.log" >&2; failed=1; stop "$coll_pid"; return; }
  sleep "$idle_s"
  local rss hwm
  rss=$(status_kb "$coll_pid" VmRSS)
  hwm=$(status_kb "$coll_pid" VmHWM)
  local threads
  threads=$(status_kb "$coll_pid" Threads)
  stop "$coll_pid"
  idle_last=$(calc '%.1f' "$rss/1024")
  rows+=("$(printf '%-34s %12s %12s %10s %9s %8s %18s  %s' "idle: $1" - - - - - \
    "$(calc '%.1f / %.1f' "$rss/1024, $hwm/1024")" "after ${idle_s} s, $threads threads")")
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

run_idle() {
  log "idle RSS"
  if [[ "$mode" != smoke ]]; then
    if port_busy 4317 || port_busy 4318 || port_busy 13133 || port_busy 8888; then
      rows+=("idle: embedded default config      skipped: one of its fixed ports 4317/4318/13133/8888 is taken")
    else
      mkdir -p "$work/default" && idle "embedded default config" "" "$work/default"
      idle_rss_default=$idle_last
    fi
  fi
  start_sink
  write_config "$work/idle.yaml" batch
  idle "grpc -> batch -> otlp" "$work/idle.yaml" "$work"
  idle_rss_min=$idle_last
  stop "$sink_pid"
}

# ---- exec → ready

run_startup() {
  log "startup ($startup_runs runs)"
  start_sink
  write_config "$work/startup.yaml" batch
  local out
  if out=$("${pin_load[@]}" "$benchutil" startup --runs "$startup_runs" --health-port "$health" -- \
      /usr/bin/taskset -c "$cpu_coll" "$collector" --config "$work/startup.yaml" 2>&1); then
    local r
    r=$(grep '^result' <<<"$out")
    startup_median=$(kv "$r" median_ms)
    startup_row="exec → health ready: median $(kv "$r" median_ms) ms (min $(kv "$r" min_ms), max $(kv "$r" max_ms), $startup_runs runs)"
  else
    startup_row="exec → health ready: FAILED: $out"
    failed=1
  fi
  stop "$sink_pid"
}

run_size() {
  cp "$collector" "$work/adot-collector.stripped"
  strip "$work/adot-collector.stripped"
  local full stripped libs
  full=$(stat -c %s "$collector")
  stripped=$(stat -c %s "$work/adot-collector.stripped")
  # The binary is linked dynamically: also report the shared libraries it pulls in beyond glibc.
  libs=$(ldd "$collector" | awk '$3 ~ /^\// { print $3 }' | grep -Ev '/(libc|libm|libpthread|libdl|librt|ld-linux[^/]*)\.so' |
    xargs -r readlink -f | sort -u | xargs -r stat -c %s | awk '{ s += $1; n++ } END { printf "%.1f MiB in %d libraries", s / 1048576, n }')
  size_row="binary: $(calc '%.1f' "$stripped/1048576") MiB stripped ($(calc '%.1f' "$full/1048576") MiB with debug info, RelWithDebInfo); dynamically linked: $libs"
}

# ---- load scenarios

# load LABEL PROCESSORS COMPRESSION LOADGEN-ARGS...: one collector + sink, one loadgen run; appends a
# row and sets the globals res_* for the caller.
load() {
  local label=$1 procs=$2 compression=$3
  shift 3
  start_sink
  write_config "$work/load.yaml" "$procs" "$compression"
  start_collector "$work/load.yaml"
  wait_healthy "$health" "$coll_pid" || { log "$label: not healthy"; cat "$work/collector.log" >&2; exit 1; }
  local protocol=grpc target="127.0.0.1:$recv_grpc"
  if [[ " $* " == *" --protocol http "* ]]; then protocol=http; target="127.0.0.1:$recv_http"; fi
  # RSS sampled every 0.25 s while the load runs.
  (while kill -0 "$coll_pid" 2>/dev/null; do status_kb "$coll_pid" VmRSS; sleep 0.25; done) >"$work/rss.txt" 2>/dev/null &
  local sampler=$!
  pids+=("$sampler")
  local c0 s0 b0 t0 c1 s1 b1 t1 out
  c0=$(cpu_ticks "$coll_pid"); s0=$(cpu_ticks "$sink_pid"); b0=$(cpu_busy "$cpu_coll"); t0=$(now)
  out=$("${pin_load[@]}" "$loadgen" --target "$target" "$@" | grep '^result') || { log "$label: loadgen failed"; exit 1; }
  c1=$(cpu_ticks "$coll_pid"); s1=$(cpu_ticks "$sink_pid"); b1=$(cpu_busy "$cpu_coll"); t1=$(now)
  local ok offered lost elapsed refused
  ok=$(kv "$out" ok_spans); offered=$(kv "$out" offered_spans); lost=$(kv "$out" lost_spans)
  elapsed=$(kv "$out" elapsed_seconds); refused=$(kv "$out" refused)
  # Drain: the batch timeout (200 ms) and the exporter; wait until the sink has everything accepted.
  local received
  for _ in $(seq 100); do
    received=$(sink_spans)
    ((received >= ok)) && break
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:$metrics/metrics" >"$work/metrics.txt" || : >"$work/metrics.txt"
  local hwm
  hwm=$(status_kb "$coll_pid" VmHWM)
  kill "$sampler" 2>/dev/null || true
  stop "$coll_pid"
  stop "$sink_pid"
  received=$(sink_spans)
  local rss_avg
  rss_avg=$(awk '{ s += $1; n++ } END { printf "%.1f", n ? s / n / 1024 : 0 }' "$work/rss.txt")
  res_cpu=$(calc '%.1f' "($c1 - $c0) / $tck / ($t1 - $t0) * 100")
  res_others=$(calc '%.0f' "(($b1 - $b0) - ($c1 - $c0)) / $tck / ($t1 - $t0) * 100")
  ((res_others >= 0)) || res_others=0
  res_load_cpu=$(calc '%.0f' "($(kv "$out" cpu_seconds) + ($s1 - $s0) / $tck) / ($t1 - $t0) * 100")
  res_delivered=$(calc '%.0f' "$received / $elapsed")
  res_offered=$(kv "$out" offered_spans_per_s)
  res_hwm_mib=$(calc '%.1f' "$hwm/1024")
  # Loss: accepted by the collector but not received by the sink, plus what the sender gave up on.
  res_loss=$((ok - received + lost))
  res_refused=$refused
  res_received=$received
  res_offered_total=$offered
  res_codes=$(kv "$out" codes)
  res_attempts=$(kv "$out" attempts)
  res_offer_s=$(kv "$out" offer_seconds)
  res_elapsed=$elapsed
  local counters
  counters="acc $(metric otelcol_receiver_accepted_spans_total) ref $(metric otelcol_receiver_refused_spans_total)"
  counters+=" sent $(metric otelcol_exporter_sent_spans_total) fail $(metric otelcol_exporter_send_failed_spans_total)"
  counters+=" enq-fail $(metric otelcol_exporter_enqueue_failed_spans_total)"
  rows+=("$(printf '%-34s %12s %12s %10s %9s %8s %18s  %s' "$label" "$res_offered" "$res_delivered" \
    "$res_loss" "$refused" "$res_cpu" "$rss_avg / $res_hwm_mib" "$counters; others on CPU $cpu_coll ${res_others} %; load side ${res_load_cpu} % of CPU $cpu_load")")
  log "$label: offered $res_offered/s delivered $res_delivered/s loss $res_loss refused $refused cpu $res_cpu % (others on CPU $cpu_coll $res_others %) hwm $res_hwm_mib MiB"
}

must_not_lose() {
  if ((res_loss != 0)); then
    log "LOSS in $1: $res_loss spans"
    failed=1
  fi
}

run_10k() {
  local n=$((rate10k * d10k / 100 + 1))
  log "10k spans/s"
  load "${rate10k} spans/s grpc, gzip off" batch none --rate "$rate10k" --duration "$d10k" --max-requests "$n" --inflight 4 --connections 1
  must_not_lose 10k
  cpu_10k=$res_cpu; hwm_10k=$res_hwm_mib
  # The Go collector's published 10k figures are for its testbed's spans (2 int attributes, no
  # resource attributes: ≈ 144 bytes a span against ≈ 530 here): the same load with those spans.
  load "${rate10k} spans/s grpc, testbed spans" batch none --span-shape testbed --rate "$rate10k" --duration "$d10k" --max-requests "$n" --inflight 4 --connections 1
  must_not_lose 10k-testbed
  cpu_10k_testbed=$res_cpu; hwm_10k_testbed=$res_hwm_mib
  if ((d10k_var > 0)); then
    n=$((rate10k * d10k_var / 100 + 1))
    load "${rate10k} spans/s grpc, exporter gzip" batch gzip --rate "$rate10k" --duration "$d10k_var" --max-requests "$n" --inflight 4 --connections 1
    must_not_lose 10k-gzip
    load "${rate10k} spans/s OTLP/HTTP in, gzip off" batch none --protocol http --rate "$rate10k" --duration "$d10k_var" --max-requests "$n" --inflight 4
    must_not_lose 10k-http
  fi
}

# sat LABEL PROCESSORS: closed loop (32 requests in flight: the highest rate the collector, or the load
# side, sustains), then open loop at 90 % of that rate. Sets sat_rate (highest zero-loss delivered
# rate), sat_cpu and sat_limit (which side ran out of CPU).
sat() {
  local label=$1 procs=$2
  log "saturation: $label"
  load "$label: closed loop" "$procs" none --rate 0 --inflight 32 --connections 4 --duration "$sat_s" --max-requests 10000000
  local closed=$res_delivered closed_cpu=$res_cpu closed_others=$res_others closed_load=$res_load_cpu
  local closed_clean=$((res_loss == 0 && res_refused == 0))
  local rate=$((closed * 9 / 10))
  ((rate > 1000)) || rate=1000
  load "$label: open loop 90 %" "$procs" none --rate "$rate" --inflight 64 --connections 4 --duration "$sat_s" \
    --max-requests $((rate * sat_s / 100 + 1))
  local zero="zero loss"
  ((res_loss == 0 && res_refused == 0)) || zero="LOSS $res_loss, refused $res_refused"
  if ((closed_clean)); then
    sat_rate=$closed; sat_cpu=$closed_cpu
  elif [[ "$zero" == "zero loss" ]]; then
    sat_rate=$res_delivered; sat_cpu=$res_cpu
  else
    sat_rate=0; sat_cpu=-
  fi
  # Who ran out of CPU: the load side (CPU 1) or the collector (CPU 0 full: the collector plus
  # whatever other processes took from it).
  sat_limit="neither CPU full: the collector waits on something else"
  if ((closed_load >= 75)); then
    sat_limit="load side bound (load generator + sink at ${closed_load} % of CPU $cpu_load): the collector's capacity is higher"
  elif awk -v c="$closed_cpu" -v o="$closed_others" 'BEGIN { exit !(c + o >= 90) }'; then
    sat_limit="collector bound (CPU $cpu_coll full: collector ${closed_cpu} %, other processes ${closed_others} %)"
  fi
  # Delivered rate ÷ the share of a core the collector got: what one whole core would give.
  sat_per_core=$(calc '%.0f' "$closed / ($closed_cpu > 0 ? $closed_cpu : 1) * 100")
  sat_rows+=("$label: closed loop $closed spans/s at $closed_cpu % CPU (≈ $sat_per_core spans/s per whole core), ${sat_limit}; open loop at 90 % ($rate offered): delivered $res_delivered spans/s, $zero, $res_cpu % CPU")
}

run_overload() {
  local rate=$((3 * ${sat_attr:-30000}))
  log "overload: $rate spans/s with retries for $over_s s"
  load "overload 3x, retrying" "memory_limiter, attributes, batch" none --retry --rate "$rate" --inflight 256 \
    --connections 4 --duration "$over_s" --drain-timeout "$drain_s" --max-requests $((rate * over_s / 100 + 1))
  over_hwm=$res_hwm_mib
  over_limit_ok="within"
  awk -v h="$res_hwm_mib" -v l="$ml_limit_mib" 'BEGIN { exit !(h <= l * 1.1) }' || over_limit_ok="ABOVE"
  # Refusals must all be retryable back-pressure: the loadgen's codes are grpc:14 (UNAVAILABLE) or grpc:8.
  over_codes_ok=yes
  if [[ "$res_codes" != "-" ]] && tr ',' '\n' <<<"$res_codes" | grep -Evq '^grpc:(14|8):'; then over_codes_ok=no; fi
  over_everything="yes"
  ((res_received >= res_offered_total && res_loss <= 0)) || over_everything="NO: $res_received of $res_offered_total received"
  local attempt_rate
  attempt_rate=$(calc '%.0f' "$res_attempts * 100 / $res_elapsed")
  overload_row="3x overload of the attributes pipeline (data generated at $rate spans/s for $over_s s = $res_offered_total spans, sent with at most 256 requests in flight at $res_offered spans/s on average, attempts incl. retries $attempt_rate spans/s; run ended after $(calc '%.0f' "$res_elapsed") s; memory_limiter ${ml_limit_mib} MiB / check ${ml_check}): max RSS $res_hwm_mib MiB ($over_limit_ok limit + 10 %); $res_refused refusals, codes $res_codes (grpc 14 = UNAVAILABLE, 8 = RESOURCE_EXHAUSTED); everything offered received after the retries: $over_everything"
  [[ "$over_everything" == yes ]] || failed=1
}

# A backend slower than the sender: the sink answers at most a third of what is generated, so the
# exporter queue grows until the memory_limiter refuses; the sender retries and, once it stops
# generating, everything must arrive.
run_slow_backend() {
  local backend=50000 rate=150000 secs=$(((over_s + 1) / 2))
  log "slow backend: $rate spans/s into a backend taking $backend spans/s, with retries, for $secs s"
  sink_args=(--max-spans-per-s "$backend")
  local ml_check_saved=$ml_check
  ml_check=100ms
  load "slow backend 3x, retrying" "memory_limiter, batch" none --retry --rate "$rate" --inflight 64 \
    --connections 4 --duration "$secs" --drain-timeout "$drain_s" --max-requests $((rate * secs / 100 + 1))
  ml_check=$ml_check_saved
  sink_args=()
  slow_hwm=$res_hwm_mib
  slow_refused=$res_refused
  slow_codes_ok=yes
  if [[ "$res_codes" != "-" ]] && tr ',' '\n' <<<"$res_codes" | grep -Evq '^grpc:(14|8):'; then slow_codes_ok=no; fi
  slow_everything="yes"
  ((res_received >= res_offered_total && res_loss <= 0)) || slow_everything="NO: $res_received of $res_offered_total received"
  slow_row="slow backend (sink at $backend spans/s; data generated at $rate spans/s for $secs s = $res_offered_total spans; memory_limiter ${ml_limit_mib} MiB / check 100ms): max RSS $res_hwm_mib MiB; $res_refused refusals, codes $res_codes; run ended after $(calc '%.0f' "$res_elapsed") s; everything offered received after the retries: $slow_everything"
  [[ "$slow_everything" == yes ]] || failed=1
}

# ---- main

log "build dir $build; mode $mode; collector on CPU $cpu_coll, load on CPU $cpu_load; load average $(cut -d' ' -f1-3 /proc/loadavg)"
sat_rows=()
startup_row=""; size_row=""; overload_row=""; slow_row=""
want() { [[ -z "$only" || " $only " == *" $1 "* ]]; }
want idle && run_idle
want startup && run_startup
want size && run_size
want 10k && run_10k
if ((sat_s > 0)) && want sat; then
  sat "pass-through" batch
  sat_pass=$sat_rate; sat_pass_cpu=$sat_cpu; sat_pass_limit=$sat_limit
  sat "attributes (1 upsert)" "batch, attributes"
  sat_attr=$sat_rate; sat_attr_cpu=$sat_cpu; sat_attr_limit=$sat_limit
fi
((over_s > 0)) && want overload && run_overload
((over_s > 0)) && want slow && run_slow_backend

echo
echo "Collector under load ($mode; $(date -u +%F); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); collector on CPU $cpu_coll)"
printf '%-34s %12s %12s %10s %9s %8s %18s  %s\n' scenario "offered/s" "delivered/s" "loss" "refused" "CPU %" "RSS avg/max MiB" "collector counters (spans)"
for r in "${rows[@]}"; do echo "$r"; done
echo
echo "$startup_row"
echo "$size_row"
for r in "${sat_rows[@]}"; do echo "saturation, $r"; done
[[ -n "$overload_row" ]] && echo "$overload_row"
[[ -n "$slow_row" ]] && echo "$slow_row"

# The issue's targets against what was measured (a miss is reported, it does not fail the run).
target() {  # what measured target verdict-expression (awk, on m)
  local v
  v=$(awk -v m="$2" "BEGIN { print (m != \"\" && m != \"-\" && ($4)) ? \"met\" : \"NOT MET\" }")
  printf '  %-46s %-22s %-18s %s\n' "$1" "$2" "$3" "$v"
}
if [[ "$mode" == smoke ]]; then  # tiny rates: the targets do not apply
  echo; ((failed)) && { echo "RESULT: FAILED (loss or a failed scenario; see above)"; exit 1; }
  echo "RESULT: ok"; exit 0
fi
echo
echo "Targets (issue 5):"
printf '  %-46s %-22s %-18s %s\n' what measured target verdict
if want idle; then
  target "idle RSS, grpc -> batch -> otlp (MiB)" "${idle_rss_min:-}" "<= 10" "m <= 10"
  [[ -n "${idle_rss_default:-}" ]] && target "idle RSS, embedded default config (MiB)" "$idle_rss_default" "<= 10" "m <= 10"
fi
want startup && target "exec -> health ready, median (ms)" "${startup_median:-}" "<= 20" "m <= 20"
if want 10k; then
  target "10k spans/s: collector CPU (% of a core)" "${cpu_10k:-}" "<= 2" "m <= 2"
  target "10k spans/s: max RSS (MiB)" "${hwm_10k:-}" "<= 20" "m <= 20"
  target "10k testbed spans/s: CPU (% of a core)" "${cpu_10k_testbed:-}" "<= 2" "m <= 2"
  target "10k testbed spans/s: max RSS (MiB)" "${hwm_10k_testbed:-}" "<= 20" "m <= 20"
fi
if ((sat_s > 0)) && want sat; then
  target "pass-through, zero loss (spans/s)" "$sat_pass" ">= 500000" "m >= 500000"
  target "attributes processor, zero loss (spans/s)" "$sat_attr" ">= 250000" "m >= 250000"
fi
if ((over_s > 0)) && want overload; then
  target "3x overload: max RSS (MiB)" "$over_hwm" "<= $(calc '%.1f' "$ml_limit_mib * 1.1")" "m <= $ml_limit_mib * 1.1"
  printf '  %-46s %-22s %-18s %s\n' "3x overload: refusals retryable" "$over_codes_ok" "yes" "$([[ $over_codes_ok == yes ]] && echo met || echo 'NOT MET')"
  printf '  %-46s %-22s %-18s %s\n' "3x overload: all delivered after retries" "${over_everything%%:*}" "yes" "$([[ $over_everything == yes ]] && echo met || echo 'NOT MET')"
fi
if ((over_s > 0)) && want slow; then
  target "slow backend: max RSS (MiB)" "$slow_hwm" "<= $(calc '%.1f' "$ml_limit_mib * 1.1")" "m <= $ml_limit_mib * 1.1"
  printf '  %-46s %-22s %-18s %s\n' "slow backend: refusals, all retryable" "$slow_refused, $slow_codes_ok" "> 0, yes" "$([[ $slow_codes_ok == yes && $slow_refused -gt 0 ]] && echo met || echo 'NOT MET')"
  printf '  %-46s %-22s %-18s %s\n' "slow backend: all delivered after retries" "${slow_everything%%:*}" "yes" "$([[ $slow_everything == yes ]] && echo met || echo 'NOT MET')"
fi
echo
if ((failed)); then
  echo "RESULT: FAILED (loss or a failed scenario; see above)"
  exit 1
fi
echo "RESULT: ok"

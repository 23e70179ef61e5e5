#!/usr/bin/env bash
# The awsxray receiver under X-Ray SDK load: segments over UDP (the daemon protocol) at a fixed rate
# → awsxray receiver → batch → otlp exporter → a counting OTLP sink. Prints the collector's CPU (%
# of one core, from /proc/<pid>/stat over the load) and RSS, and checks that every span arrived.
#
#   bash bench/collector/xray/run.sh [--build-dir build/release] [--rate 5000] [--duration 20]
#                                    [--collector PATH]   (another adot-collector, to compare builds)
#
# The collector is pinned to CPU 0, the load and the sink to CPU 1 (when there are two). All
# traffic is on 127.0.0.1. Exit status 1 when spans were lost.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
build_dir=$repo/build/release
rate=5000
duration=20
collector=
while (($#)); do
  case $1 in
    --build-dir) build_dir=$(cd "$2" && pwd); shift ;;
    --rate) rate=$2; shift ;;
    --duration) duration=$2; shift ;;
    --collector) collector=$2; shift ;;
    *) echo "usage: $0 [--build-dir DIR] [--rate SEGMENTS_PER_S] [--duration SECONDS] [--collector PATH]" >&2; exit 2 ;;
  esac
  shift
done
collector=${collector:-$build_dir/src/collector/adot-collector}
load=$build_dir/bench/collector/xray/collector_xray_udp_load
sink=$build_dir/bench/collector/load/collector_loadsink
benchutil=$build_dir/bench/collector/load/collector_benchutil
for f in "$collector" "$load" "$sink" "$benchutil"; do
  [[ -x $f ]] || { echo "run.sh: $f not built (cmake --build $build_dir)" >&2; exit 2; }
done
pin_coll=() pin_load=()
if (($(nproc) >= 2)) && command -v taskset >/dev/null; then pin_coll=(taskset -c 0); pin_load=(taskset -c 1); fi
work=$(mktemp -d /tmp/adot-xray-bench-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
tck=$(getconf CLK_TCK)
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
sink_spans() { awk '$1 == "stats" { l = $2 } END { sub("spans=", "", l); print l + 0 }' "$work/sink.out"; }
sink_stat() { awk -v k="$1" '$1 == "stats" { l = $0 } END { n = split(l, f, " "); for (i = 2; i <= n; i++) { split(f[i], kv, "="); if (kv[1] == k) print kv[2] + 0 } }' "$work/sink.out"; }

"${pin_load[@]}" "$sink" --stats-interval-ms 100 >"$work/sink.out" 2>"$work/sink.err" &
pids+=($!)
sink_pid=$!
for _ in $(seq 500); do grep -q '^ready' "$work/sink.out" 2>/dev/null && break; sleep 0.02; done
sink_grpc=$(kv "$(grep '^ready' "$work/sink.out")" grpc)
read -r udp proxy health < <("$benchutil" free-ports 3)
cat >"$work/config.yaml" <<YAML
receivers:
  awsxray:
    endpoint: 127.0.0.1:$udp
    proxy_server: {endpoint: 127.0.0.1:$proxy}
processors:
  batch: {}
exporters:
  otlp: {endpoint: "127.0.0.1:$sink_grpc", tls: {insecure: true}, compression: none}
extensions:
  health_check: {endpoint: "127.0.0.1:$health"}
service:
  extensions: [health_check]
  telemetry: {logs: {level: warn}, metrics: {level: none}}
  pipelines:
    traces: {receivers: [awsxray], processors: [batch], exporters: [otlp]}
YAML
"${pin_coll[@]}" "$collector" --config "$work/config.yaml" >"$work/collector.log" 2>&1 &
coll_pid=$!
pids+=("$coll_pid")
for _ in $(seq 500); do curl -sf -o /dev/null "http://127.0.0.1:$health/" && break; sleep 0.01; done
idle_kb=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$coll_pid/status")

(while kill -0 "$coll_pid" 2>/dev/null; do awk '$1 == "VmRSS:" { print $2 }' "/proc/$coll_pid/status"; sleep 0.25; done) >"$work/rss.txt" 2>/dev/null &
rss_pid=$!
c0=$(cpu_ticks "$coll_pid"); t0=$(date +%s.%N)
out=$("${pin_load[@]}" "$load" --target "127.0.0.1:$udp" --rate "$rate" --duration "$duration" | grep '^result')
c1=$(cpu_ticks "$coll_pid"); t1=$(date +%s.%N)
expected=$(kv "$out" spans)
for _ in $(seq 100); do (($(sink_spans) >= expected)) && break; sleep 0.1; done
received=$(sink_spans)
kill -TERM "$coll_pid"; wait "$coll_pid" 2>/dev/null || true
wait "$rss_pid"  # ends with the collector
cpu=$(awk "BEGIN { printf \"%.2f\", ($c1 - $c0) / $tck / ($t1 - $t0) * 100 }")
rss=$(awk '{ s += $1; if ($1 > m) m = $1; n++ } END { printf "%.1f / %.1f", s / n / 1024, m / 1024 }' "$work/rss.txt")
echo "awsxray receiver, UDP: $(kv "$out" sent) segments ($expected spans) at $rate segments/s for $(kv "$out" elapsed_seconds) s"
echo "  collector CPU: $cpu % of one core (target <= 3 %)"
echo "  collector RSS: idle $(awk "BEGIN { printf \"%.1f\", $idle_kb / 1024 }") MiB, under load avg / max $rss MiB"
echo "  spans received by the sink: $received of $expected"
echo "  OTLP sent to the sink: $(sink_stat requests) requests, $(awk "BEGIN { printf \"%.0f\", $(sink_stat bytes) / $(kv "$out" sent) }") bytes per segment"
((received == expected)) || { echo "RESULT: FAILED (spans lost)"; exit 1; }
echo "RESULT: ok"

#!/usr/bin/env bash
# `dstoolbox serve` against FastAPI + uvicorn (2 workers, TCP_NODELAY) serving the same models:
# a 50-feature logistic regression and a 200-tree LightGBM model, single-row KServe V1
# predicts from wrk on loopback (2 threads, 32 connections, bounded in time), in one run.
# Prints requests per second, p99 latency, non-2xx counts and their ratios; then a soak of
# SOAK_SECONDS (default 300) on DS Toolbox with its resident memory at the start and the end.
#
#   Benchmarks/Compare/serve.sh [SECONDS per load, default 15]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
seconds="${1:-15}"
soak="${SOAK_SECONDS:-300}"
python="venv/bin/python"
command -v wrk >/dev/null || { echo "wrk is not installed (Scripts/bootstrap --compare installs it)"; exit 1; }
dstoolbox=".build/release/dstoolbox"
[ -x "$dstoolbox" ] || swift build -c release --product dstoolbox >/dev/null
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "nothing listens on $1"; exit 1; }

"$dstoolbox" data generate --kind classification --rows 20000 --features 50 --seed 7 -o "$work/data.csv" >/dev/null
row="$("$python" Benchmarks/Compare/serve_models.py "$work/data.csv" "$work")"
"$dstoolbox" learn train "$work/data.csv" --target target --model logistic_regression -o "$work/logistic.dstbx" >/dev/null

ours=$(free_port)
"$dstoolbox" serve --open --port "$ours" --model "logistic=$work/logistic.dstbx" --model "boosting=$work/boosting.txt" --poll 0 >/dev/null 2>&1 &
pids+=($!); our_pid=$!
theirs=$(free_port)
"$python" Benchmarks/Compare/serve_fastapi.py "$work/logistic.json" "$work/boosting.txt" "$theirs" 2 >/dev/null 2>&1 &
pids+=($!)
wait_port "$ours"; wait_port "$theirs"

cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"instances": [$row]}'
wrk.headers["Content-Type"] = "application/json"
LUA

# wrk's figures: requests/s, p99 in ms, non-2xx responses and socket errors.
measure() {
  local out
  out="$(wrk -t2 -c32 -d"${2}s" --latency -s "$work/post.lua" "$1")"
  local rps p99 non2xx errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}'); non2xx=${non2xx:-0}
  errors=$(echo "$out" | awk '/Socket errors/ {gsub(/,/,""); print $4+$6+$8+$10}'); errors=${errors:-0}
  echo "$rps $p99 $non2xx $errors"
}

for model in logistic boosting; do
  # Warm both (JIT-free, but caches and pools), then measure interleaved.
  measure "http://127.0.0.1:$ours/v1/models/$model:predict" 2 >/dev/null
  measure "http://127.0.0.1:$theirs/v1/models/$model:predict" 2 >/dev/null
  read -r t_rps t_p99 t_bad t_err < <(measure "http://127.0.0.1:$theirs/v1/models/$model:predict" "$seconds")
  read -r o_rps o_p99 o_bad o_err < <(measure "http://127.0.0.1:$ours/v1/models/$model:predict" "$seconds")
  echo "== serving $model: single-row predict, wrk -t2 -c32 -d${seconds}s on loopback"
  printf "%-22s %12s %10s %8s %8s\n" server "requests/s" "p99 ms" non-2xx errors
  printf "%-22s %12.0f %10.2f %8d %8d\n" "FastAPI + uvicorn x2" "$t_rps" "$t_p99" "$t_bad" "$t_err"
  printf "%-22s %12.0f %10.2f %8d %8d\n" "dstoolbox serve" "$o_rps" "$o_p99" "$o_bad" "$o_err"
  awk -v a="$o_rps" -v b="$t_rps" -v c="$o_p99" -v d="$t_p99" 'BEGIN{printf "throughput %.1fx FastAPI; p99 %.2f of FastAPI'"'"'s\n\n", a/b, c/d}'
done

if [ "$soak" -gt 0 ]; then
  rss() { awk '/VmRSS/ {print $2}' "/proc/$our_pid/status"; }
  measure "http://127.0.0.1:$ours/v1/models/boosting:predict" 5 >/dev/null
  start=$(rss)
  read -r s_rps s_p99 s_bad s_err < <(measure "http://127.0.0.1:$ours/v1/models/boosting:predict" "$soak")
  end=$(rss)
  echo "== soak: dstoolbox serve, boosting, ${soak}s"
  awk -v a="$start" -v b="$end" -v r="$s_rps" -v n="$s_bad" -v e="$s_err" 'BEGIN{printf "%.0f requests/s, non-2xx %d, errors %d; resident memory %d KB -> %d KB (%+.1f%%)\n", r, n, e, a, b, 100*(b-a)/a}'
fi

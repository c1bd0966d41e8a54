# Shared helpers for the benchmark scripts (sourced, not run).
#
# Every figure measures kpi and the physical limit it is held to side by side,
# in the same run on the same machine, RUNS times, and reports the median of
# each side, their ratio and the target. Each script also appends one JSON
# line to $RESULTS so that runs can be compared later.
#
# Options every script takes:
#   --quick        tiny data, one run, 1 s loads: proves the commands work
#                  (the ctest smoke test); its numbers mean nothing
#   --runs N       runs per side (default 5; ingest: 3)
# Environment:
#   KPI_BUILD_DIR  build tree holding kpid/kpid, kpictl/kpictl, bench/* (default:
#                  build-bench, else build, under the source tree)
#   KPI_BENCH_RESULTS  JSON lines file to append to (default
#                  $KPI_BUILD_DIR/bench-results.jsonl)
#   KPI_BENCH_TMP  where stores are written (default /var/tmp; must be a disk
#                  file system for the sync figures to mean anything)

set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(dirname "$BENCH_DIR")
if [ -z "${KPI_BUILD_DIR:-}" ]; then
  for d in "$SRC_DIR/build-bench" "$SRC_DIR/build"; do
    [ -x "$d/kpid/kpid" ] && { KPI_BUILD_DIR=$d; break; }
  done
fi
: "${KPI_BUILD_DIR:?no build found; build kpid kpictl and bench/ and set KPI_BUILD_DIR}"
KPID=${KPID:-$KPI_BUILD_DIR/kpid/kpid}
KPICTL=${KPICTL:-$KPI_BUILD_DIR/kpictl/kpictl}
GEN=$KPI_BUILD_DIR/bench/kpi-gen
MKSTORE=$KPI_BUILD_DIR/bench/kpi-mkstore
RESULTS=${KPI_BENCH_RESULTS:-$KPI_BUILD_DIR/bench-results.jsonl}

QUICK=0
RUNS=5
ARGS=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --runs) RUNS=$2; shift ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done
[ "$QUICK" = 1 ] && RUNS=1

BENCH_WORK=$(mktemp -d "${KPI_BENCH_TMP:-/var/tmp}/kpi-bench.XXXXXX")
# The benchmarks post as a forwarding webhead (kpid's --forwarder-token-file
# mode, which skips the per-browser CSRF token): a real deployment mode, and
# the load of one site's webheads.
FORWARDER_TOKEN=bench-forwarder-$RANDOM$RANDOM$RANDOM$RANDOM-token
(umask 077 && echo "$FORWARDER_TOKEN" >"$BENCH_WORK/forwarder.token")
BENCH_PIDS=()
bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${BENCH_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$BENCH_WORK"
}
trap bench_cleanup EXIT
die() { echo "bench: $*" >&2; exit 1; }

for tool in "$KPID" "$KPICTL" "$GEN" "$MKSTORE"; do
  [ -x "$tool" ] || die "$tool is missing: cmake --build $KPI_BUILD_DIR --target kpid kpictl kpi-gen kpi-mkstore"
done

# take_records_option: the scripts on a 30-day store take --records N (set
# RECORDS to their default first); any other leftover argument is an error.
take_records_option() {
  set -- "${ARGS[@]+"${ARGS[@]}"}"
  while [ $# -gt 0 ]; do
    case $1 in
      --records) RECORDS=$2; shift ;;
      *) die "unknown option $1" ;;
    esac
    shift
  done
}

# month_store: the reading benches' store in $STORE: RECORDS generated
# records (1M, or --records N; 3,000 with --quick) over DAYS days (30; 2 with
# --quick) from 2026-11-01.
month_store() {
  RECORDS=1000000 DAYS=30
  [ "$QUICK" = 1 ] && RECORDS=3000 DAYS=2
  take_records_option
  STORE=$BENCH_WORK/store
  mkstore "$STORE" --records "$RECORDS" --hours $((DAYS * 24)) --from 2026-11-01
}

# median V...: the median of numbers (the mean of the middle two when even).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# now_s: seconds since the epoch with nanoseconds.
now_s() { date +%s.%N; }

# seconds_of COMMAND...: runs it with its output to /dev/null and prints its
# wall time in seconds.
seconds_of() {
  local start end
  start=$(now_s)
  "$@" >/dev/null
  end=$(now_s)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
}

calc() { awk "BEGIN { printf \"%.4g\n\", $* }"; }

# paired_ratio "KPI..." "LIMIT...": the median of kpi/limit per run. Each
# run measures both sides back to back, so on a machine whose load drifts the
# paired ratios scatter less than the ratio of the two medians.
paired_ratio() {
  local -a kpi=($1) limit=($2) ratios=()
  local i
  for i in "${!kpi[@]}"; do ratios+=("$(calc "${kpi[$i]} / ${limit[$i]}")"); done
  calc "$(median "${ratios[@]}")"
}

# report FIGURE KPI LIMIT UNIT RATIO OP TARGET [NOTE]
#   prints both sides (medians), the ratio (paired_ratio) and the target,
#   and appends a JSON line.
#   OP is ">=" or "<=": the ratio must be OP TARGET (with an empty LIMIT the
#   KPI value itself is held to TARGET).
report() {
  local figure=$1 kpi=$2 limit=$3 unit=$4 ratio=$5 op=$6 target=$7 note=${8:-}
  local pass
  pass=$(awk -v r="$ratio" -v t="$target" -v op="$op" \
    'BEGIN { print ((op == ">=" ? r >= t : r <= t) ? "true" : "false") }')
  [ "$QUICK" = 1 ] && pass=null
  printf '%-26s kpi %-10s limit %-10s %-10s ratio %-7s target %s %-5s %-6s %s\n' \
    "$figure" "$kpi" "${limit:--}" "$unit" "$ratio" "$op" "$target" \
    "$([ "$pass" = true ] && echo MET || { [ "$pass" = null ] && echo quick || echo MISSED; })" \
    "$note"
  printf '{"figure":"%s","time":"%s","host":"%s","cores":%s,"runs":%s,"quick":%s,"kpi":%s,"limit":%s,"unit":"%s","ratio":%s,"op":"%s","target":%s,"met":%s,"note":"%s"}\n' \
    "$figure" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(hostname)" "$(nproc)" "$RUNS" \
    "$([ "$QUICK" = 1 ] && echo true || echo false)" "$kpi" "${limit:-null}" "$unit" \
    "$ratio" "$op" "$target" "$pass" "$note" >>"$RESULTS"
}

# gen_bodies FILE COUNT BATCH: COUNT request bodies of BATCH blobs each,
# timestamped within the last 10 minutes (kpid accepts them; all land in
# the current hour's WAL, as live traffic does).
gen_bodies() {
  local now_ms
  now_ms=$(($(date +%s) * 1000))
  "$GEN" --mode requests --batch "$3" --count "$2" --seed 7 \
    --from $((now_ms - 600000)) --to "$now_ms" >"$1"
}

# start_kpid DATA_DIR LOG [kpid options...]: kpid on a free loopback port;
# sets KPID_PID and KPID_PORT.
start_kpid() {
  local data=$1 log=$2
  shift 2
  : >"$log"  # before the background kpid opens it: sed reads it at once
  "$KPID" --data-dir "$data" --listen 127.0.0.1:0 --min-free-bytes 0 --writer-id bench \
    --forwarder-token-file "$BENCH_WORK/forwarder.token" "$@" >"$log" 2>&1 &
  KPID_PID=$!
  BENCH_PIDS+=("$KPID_PID")
  local i
  KPID_PORT=
  for ((i = 0; i < 400; i++)); do
    KPID_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) for ingest.*/\1/p' "$log" | tail -n 1)
    [ -n "$KPID_PORT" ] && return 0
    kill -0 "$KPID_PID" 2>/dev/null || { cat "$log" >&2; die "kpid exited before listening"; }
    sleep 0.05
  done
  die "kpid did not listen within 20 s"
}

stop_pid() {  # stop_pid PID: SIGTERM and wait
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# peak_rss_kib PID: VmHWM of a running process, in KiB.
peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# ---------------------------------------------------------------- HTTP loads

NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
WRK=${WRK:-$(command -v wrk || true)}
INGEST_PATH=/wsapi/interaction_data

# start_nginx NAME PORT SITE_FILE: an nginx of its own (pid, logs, temp paths
# under $BENCH_WORK/nginx-NAME) serving SITE_FILE inside http {}; one worker
# per core; sets NGINX_PID.
start_nginx() {
  local name=$1 port=$2 site=$3 dir=$BENCH_WORK/nginx-$1
  [ -x "$NGINX" ] || die "nginx is not installed (apt-get install nginx-light)"
  mkdir -p "$dir"
  {
    [ "$(id -u)" = 0 ] && echo "user root;"
    echo "worker_processes ${NGINX_WORKERS:-auto};"
    echo "pid $dir/nginx.pid; error_log $dir/error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "  access_log off; keepalive_requests 1000;"
    local t
    for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $dir/$t;"; done
    echo "  include $site;"
    echo "}"
  } >"$dir/nginx.conf"
  "$NGINX" -t -q -p "$dir" -c "$dir/nginx.conf" || die "nginx -t rejects $dir/nginx.conf"
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stderr" 2>&1 &
  NGINX_PID=$!
  BENCH_PIDS+=("$NGINX_PID")
  local i
  for ((i = 0; i < 200; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 0.05
  done
  die "nginx $name did not listen on $port within 10 s"
}

# The physical limit of an HTTP POST on this machine: nginx reading the
# request and answering 200 without doing anything.
nginx_return_200_site() {  # nginx_return_200_site PORT > FILE
  cat <<SITE
server {
  listen 127.0.0.1:$1 reuseport;
  client_max_body_size 64k;
  client_body_buffer_size 64k;
  location = $INGEST_PATH { return 200 '{"stored":1}'; }
  location / { return 404; }
}
SITE
}

# wrk_post PORT DURATION BODIES: wrk -t1 -c$CONNECTIONS POSTing BODIES in
# turn; prints "<2xx requests/s> <p99 ms> <non-2xx count>". Every body is
# valid, so in a --quick run (the smoke test) any non-2xx answer, a 5xx
# included, fails the script instead of becoming a note.
CONNECTIONS=${CONNECTIONS:-64}
wrk_post() {
  local figures
  figures=$(wrk_figures "$@") || return 1
  if [ "$QUICK" = 1 ] && [ "${figures##* }" != 0 ]; then
    grep -i -A3 "non-2xx\|socket errors" "$BENCH_WORK/wrk.out" >&2
    die "wrk: ${figures##* } non-2xx answers from port $1 in a --quick run"
  fi
  echo "$figures"
}

wrk_figures() {
  [ -n "$WRK" ] || die "wrk is not installed (apt-get install wrk)"
  "$WRK" -t1 -c"$CONNECTIONS" -d"$2" --latency -s "$BENCH_DIR/post.lua" \
    "http://127.0.0.1:$1$INGEST_PATH" -- "$3" "$FORWARDER_TOKEN" >"$BENCH_WORK/wrk.out" 2>&1 ||
    { cat "$BENCH_WORK/wrk.out" >&2; die "wrk failed"; }
  awk '
    function ms(v) {
      if (v ~ /us$/) return v * 0.001; if (v ~ /ms$/) return v + 0
      if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v
    }
    / requests in / { n = $1; secs = $(NF - 2); sub(/s,$/, "", secs) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    END { printf "%.0f %.3f %d\n", (n - bad) / secs, p99, bad }' "$BENCH_WORK/wrk.out"
}

# start_ceiling MODE: `kpid-ceiling --mode MODE` on a free port; sets
# CEILING_PID and CEILING_PORT.
start_ceiling() {
  local out=$BENCH_WORK/ceiling-$1.out i
  : >"$out"  # before the background ceiling opens it: sed reads it at once
  "$KPI_BUILD_DIR/bench/kpid-ceiling" --mode "$1" --data-dir "$BENCH_WORK" \
    --forwarder-token-file "$BENCH_WORK/forwarder.token" --listen 127.0.0.1:0 >"$out" 2>&1 &
  CEILING_PID=$!
  BENCH_PIDS+=("$CEILING_PID")
  CEILING_PORT=
  for ((i = 0; i < 200; i++)); do
    CEILING_PORT=$(sed -n 's/^port //p' "$out")
    [ -n "$CEILING_PORT" ] && return 0
    sleep 0.05
  done
  cat "$out" >&2
  die "kpid-ceiling --mode $1 did not listen"
}

# ---------------------------------------------------------------- stores

# mkstore DIR KPI-MKSTORE-OPTIONS...: a generated store at DIR. Written on
# /dev/shm when there is one (its fsyncs cost nothing there, so setting up
# thousands of segments takes seconds) and then moved to DIR.
mkstore() {
  local dir=$1
  shift
  local build=$dir
  [ -d /dev/shm ] && [ -w /dev/shm ] && build=$(mktemp -d /dev/shm/kpi-bench-store.XXXXXX)/s
  "$MKSTORE" --data-dir "$build" "$@" >/dev/null
  if [ "$build" != "$dir" ]; then
    mkdir -p "$dir"
    cp -a "$build/." "$dir/"
    rm -rf "$(dirname "$build")"
  fi
}

store_bytes() {  # store_bytes DIR: bytes of its segments
  find "$1/segments" -name '*.kpi.zst' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}

# peak_rss_of COMMAND...: runs it (output to /dev/null) under /usr/bin/time
# and prints its peak RSS in KiB.
peak_rss_of() {
  /usr/bin/time -f '%M' -o "$BENCH_WORK/time.out" "$@" >/dev/null
  tail -n 1 "$BENCH_WORK/time.out"
}

#!/bin/bash
# Ingest throughput of kpid against the limits of this machine.
#
#   bench/ingest.sh batch     one blob per POST, --sync=batch, 64 keep-alive
#                             connections; limit: nginx answering `return 200`
#                             to the same POSTs (wrk -t1 -c64 both)
#   bench/ingest.sh always    the same with --sync=always
#   bench/ingest.sh batch20   20 blobs per POST; limit: simdjson parsing the
#                             same bodies in a loop (bench/parse_limit.cc),
#                             compared in records/s
#   bench/ingest.sh nginx     one blob per POST through nginx with the
#                             packaged site (packaging/nginx/kpid.conf, rate
#                             limit lifted) in front of kpid; limit: nginx alone
#   [--quick] [--runs N]      (see lib.sh)
#
# The batch figure also measures, in each run, the two ceilings kpid is
# bounded by (bench/kpid-ceiling.cc): cpp-httplib with kpid's transport
# settings answering without work (ingest-ceiling-httplib), and kpid's HTTP
# and ingest code with a sink that drops records (ingest-ceiling-no-storage).
#
# Each run starts kpid on a fresh store, warms it up for 1 s, measures both
# sides for DURATION (5 s) back to back, and stops kpid; kpid's peak RSS
# (VmHWM) under the load is reported as well, held to 64 MiB.
source "$(dirname "$0")/lib.sh"
FIGURE=${ARGS[0]:-batch}
RUNS_GIVEN=$RUNS
[ "$QUICK" = 0 ] && [ "$RUNS_GIVEN" = 5 ] && RUNS=3
DURATION=5s
BODY_COUNT=4000
[ "$QUICK" = 1 ] && { DURATION=1s; BODY_COUNT=100; }

SYNC=batch BATCH=1 VIA_NGINX=0
case $FIGURE in
  batch) TARGET=0.5 ;;
  always) SYNC=always TARGET=0.3 ;;
  batch20) BATCH=20 BODY_COUNT=$((BODY_COUNT / 10)) TARGET=0.3 ;;
  nginx) VIA_NGINX=1 TARGET=0.4 ;;
  *) die "unknown figure '$FIGURE': batch, always, batch20 or nginx" ;;
esac

BODIES=$BENCH_WORK/bodies.jsonl
gen_bodies "$BODIES" "$BODY_COUNT" "$BATCH"

# The limit side, started once: nginx answering 200, or the parse loop.
if [ "$BATCH" = 1 ]; then
  LIMIT_PORT=$(free_port)
  nginx_return_200_site "$LIMIT_PORT" >"$BENCH_WORK/return200.conf"
  start_nginx return200 "$LIMIT_PORT" "$BENCH_WORK/return200.conf"
  wrk_post "$LIMIT_PORT" 1s "$BODIES" >/dev/null  # warm-up
fi
PARSE_LIMIT=$KPI_BUILD_DIR/bench/parse_limit

# The packaged nginx site in front of kpid at UPSTREAM, rate limit lifted.
proxy_site() {  # proxy_site PORT UPSTREAM > FILE
  sed -e "s#listen 80;#listen 127.0.0.1:$1;#" -e '/listen \[::\]:80;/d' \
    -e "s#server 127.0.0.1:8080;#server $2;#" -e "s#/var/log/nginx/#$BENCH_WORK/#g" \
    -e '/limit_req/d' "$SRC_DIR/packaging/nginx/kpid.conf"
}

# measure_ceiling MODE: requests/s of `kpid-ceiling --mode MODE`.
measure_ceiling() {
  local out=$BENCH_WORK/ceiling-$1.out pid port= i
  "$KPI_BUILD_DIR/bench/kpid-ceiling" --mode "$1" --data-dir "$BENCH_WORK" \
    --listen 127.0.0.1:0 >"$out" 2>&1 &
  pid=$!
  BENCH_PIDS+=("$pid")
  for ((i = 0; i < 200; i++)); do
    port=$(sed -n 's/^port //p' "$out")
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$out" >&2; die "kpid-ceiling --mode $1 did not listen"; }
  wrk_post "$port" 1s "$BODIES" >/dev/null  # warm-up
  read -r rate _ _ <<<"$(wrk_post "$port" "$DURATION" "$BODIES")"
  stop_pid "$pid"
  echo "$rate"
}

KPI_RATES=() LIMIT_RATES=() P99S=() RSS=() NOTES="" EMPTY_RATES=() NO_STORAGE_RATES=()
for ((run = 1; run <= RUNS; run++)); do
  store=$BENCH_WORK/store-$run
  start_kpid "$store" "$BENCH_WORK/kpid-$run.log" --sync "$SYNC" --max-batch 100
  target_port=$KPID_PORT
  if [ "$VIA_NGINX" = 1 ]; then
    target_port=$(free_port)
    proxy_site "$target_port" "127.0.0.1:$KPID_PORT" >"$BENCH_WORK/proxy-$run.conf"
    start_nginx "proxy-$run" "$target_port" "$BENCH_WORK/proxy-$run.conf"
    proxy_pid=$NGINX_PID
  fi
  wrk_post "$target_port" 1s "$BODIES" >/dev/null  # warm-up
  out=$(wrk_post "$target_port" "$DURATION" "$BODIES")
  read -r rate p99 bad <<<"$out"
  RSS+=("$(peak_rss_kib "$KPID_PID")")
  [ "$bad" != 0 ] && NOTES="$NOTES run $run: $bad non-2xx answers;"
  [ "$VIA_NGINX" = 1 ] && stop_pid "$proxy_pid"
  stop_pid "$KPID_PID"
  rm -rf "$store"
  if [ "$BATCH" = 1 ]; then
    out=$(wrk_post "$LIMIT_PORT" "$DURATION" "$BODIES")
    read -r limit _ _ <<<"$out"
  else
    limit=$("$PARSE_LIMIT" --seconds "${DURATION%s}" "$BODIES" | awk '{ print $1 }')
    rate=$((rate * BATCH))  # records/s
  fi
  KPI_RATES+=("$rate") LIMIT_RATES+=("$limit") P99S+=("$p99")
  echo "  run $run: kpid $rate/s (p99 $p99 ms, peak RSS ${RSS[-1]} KiB), limit $limit/s" >&2
  if [ "$FIGURE" = batch ]; then
    EMPTY_RATES+=("$(measure_ceiling empty)") NO_STORAGE_RATES+=("$(measure_ceiling no-storage)")
    echo "  run $run: ceilings: httplib alone ${EMPTY_RATES[-1]}/s," \
      "kpid without storage ${NO_STORAGE_RATES[-1]}/s" >&2
  fi
done

kpi=$(median "${KPI_RATES[@]}")
limit=$(median "${LIMIT_RATES[@]}")
p99=$(median "${P99S[@]}")
unit=requests/s
[ "$BATCH" != 1 ] && unit=records/s
report "ingest-$FIGURE" "$kpi" "$limit" "$unit" "$(paired_ratio "${KPI_RATES[*]}" "${LIMIT_RATES[*]}")" ">=" "$TARGET" \
  "p99 ${p99} ms;$NOTES"
if [ "$FIGURE" = batch ]; then
  report "ingest-$FIGURE-p99" "$p99" "" ms "$p99" "<=" 10
  report ingest-ceiling-httplib "$(median "${EMPTY_RATES[@]}")" "$limit" requests/s \
    "$(paired_ratio "${EMPTY_RATES[*]}" "${LIMIT_RATES[*]}")" ">=" "$TARGET" \
    "cpp-httplib alone with kpid's settings, answering without work"
  report ingest-ceiling-no-storage "$(median "${NO_STORAGE_RATES[@]}")" "$limit" requests/s \
    "$(paired_ratio "${NO_STORAGE_RATES[*]}" "${LIMIT_RATES[*]}")" ">=" "$TARGET" \
    "kpid's HTTP and ingest code, records dropped instead of stored"
fi
rss_mib=$(calc "$(printf '%s\n' "${RSS[@]}" | sort -n | tail -n 1) / 1024")
report "kpid-peak-rss-$FIGURE" "$rss_mib" "" MiB "$rss_mib" "<=" 64 "VmHWM, the largest of the runs"

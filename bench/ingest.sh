#!/bin/bash
# Ingest throughput of kpid against the limits of this machine.
#
#   bench/ingest.sh batch     one blob per POST, --sync=batch, 64 keep-alive
#                             connections (wrk -t1 -c64); limit: cpp-httplib
#                             alone with kpid's transport settings answering
#                             the same POSTs without work (bench/kpid-ceiling
#                             --mode empty), the most kpid's HTTP library can
#                             carry here
#   bench/ingest.sh always    the same with --sync=always
#   bench/ingest.sh batch100  100 blobs per POST (the forwarders' batches);
#                             limit: simdjson parsing the same bodies in a
#                             loop (bench/parse_limit.cc), in records/s;
#                             sealing held off during the load (below)
#   bench/ingest.sh nginx     one blob per POST through nginx with the
#                             packaged site (packaging/nginx/kpid.conf, rate
#                             limit lifted) in front of kpid; limit: the same
#                             nginx site in front of kpid-ceiling --mode empty
#   [--quick] [--runs N]      (see lib.sh)
#
# The batch figure also measures, in each run, kpid's HTTP and ingest code
# with a sink that drops records (kpid-ceiling --mode no-storage), which
# splits what kpid loses between its ingest code and its store.
#
# Each run starts kpid on a fresh store, warms it up for 1 s, measures it for
# DURATION (5 s), stops it and measures the limit right after (a paired run:
# the ratio is the median of the per-run ratios); kpid's peak RSS (VmHWM)
# under the load is reported as well, held to 64 MiB.
#
# batch100 measures ingest with sealing measured on its own (issue 16; the
# sealer's figure is bench/seal.sh): ~90 MB/s of WAL fills a 64 MiB WAL in
# under a second, and each rotated WAL's seal (zstd) would share the two
# cores with the load. kpid runs with KPI_PAUSE_AT=seal.pass:SEAL_HOLD_MS
# (committer.h: every seal pass waits that long before it starts), longer
# than the warm-up and the load; after the load the run waits until every
# WAL closed during it is sealed (wal/ holds only the open ones), so the
# backlog still seals, and reports how long that took; kpid's peak RSS is read
# after that, so it covers the seals too.
source "$(dirname "$0")/lib.sh"
FIGURE=${ARGS[0]:-batch}
RUNS_GIVEN=$RUNS
[ "$QUICK" = 0 ] && [ "$RUNS_GIVEN" = 5 ] && RUNS=3
DURATION=5s
BODY_COUNT=4000
[ "$QUICK" = 1 ] && { DURATION=1s; BODY_COUNT=100; }

SYNC=batch BATCH=1 VIA_NGINX=0 SEAL_HOLD_MS=0
case $FIGURE in
  batch) TARGET=0.85 ;;
  always) SYNC=always TARGET=0.85 ;;
  batch100)
    BATCH=100 BODY_COUNT=$((BODY_COUNT / 40)) TARGET=0.3
    SEAL_HOLD_MS=$((${DURATION%s} * 1000 + 3000))  # warm-up 1 s + load + 2 s
    ;;
  nginx) VIA_NGINX=1 TARGET=0.85 ;;
  *) die "unknown figure '$FIGURE': batch, always, batch100 or nginx" ;;
esac

BODIES=$BENCH_WORK/bodies.jsonl
gen_bodies "$BODIES" "$BODY_COUNT" "$BATCH"

PARSE_LIMIT=$KPI_BUILD_DIR/bench/parse_limit

# The packaged nginx site in front of kpid at UPSTREAM, rate limit lifted.
proxy_site() {  # proxy_site PORT UPSTREAM > FILE
  sed -e "s#listen 80;#listen 127.0.0.1:$1;#" -e '/listen \[::\]:80;/d' \
    -e "s#server 127.0.0.1:8080;#server $2;#" -e "s#/var/log/nginx/#$BENCH_WORK/#g" \
    -e '/limit_req/d' "$SRC_DIR/packaging/nginx/kpid.conf"
}


# measure PORT: "rate p99 non-2xx" after a 1 s warm-up, optionally through
# the packaged nginx site (VIA_NGINX) in front of PORT.
measure() {
  local port=$1 proxy_pid= out
  if [ "$VIA_NGINX" = 1 ]; then
    port=$(free_port)
    proxy_site "$port" "127.0.0.1:$1" >"$BENCH_WORK/proxy.conf"
    start_nginx proxy "$port" "$BENCH_WORK/proxy.conf"
    proxy_pid=$NGINX_PID
  fi
  wrk_post "$port" 1s "$BODIES" >/dev/null  # warm-up
  out=$(wrk_post "$port" "$DURATION" "$BODIES")
  [ -n "$proxy_pid" ] && stop_pid "$proxy_pid"
  echo "$out"
}

# measure_ceiling MODE: requests/s of `kpid-ceiling --mode MODE`.
measure_ceiling() {
  local rate
  start_ceiling "$1"
  read -r rate _ _ <<<"$(measure "$CEILING_PORT")"
  stop_pid "$CEILING_PID"
  echo "$rate"
}

# metric PORT NAME: the value of kpid's /metrics line NAME.
metric() {
  curl -sS "http://127.0.0.1:$1/metrics" | awk -v name="$2" '$1 == name { print $2 }'
}

# wait_sealed STORE PORT: waits (at most 300 s) until every WAL kpid closed
# during the load is sealed, i.e. wal/ holds no more WALs than kpid has open;
# prints the seconds that took and the segments sealed.
wait_sealed() {
  local store=$1 port=$2 start wals
  start=$(date +%s%N)
  while :; do
    wals=$(find "$store/wal" -name '*.wal' | wc -l)
    [ "$wals" -le "$(metric "$port" kpi_open_wals)" ] && break
    (($(date +%s%N) - start < 300000000000)) || die "$wals WALs still unsealed 300 s after the load"
    sleep 0.2
  done
  echo "$(calc "($(date +%s%N) - $start) / 1e9") $(metric "$port" kpi_segments_sealed_total)"
}

KPI_RATES=() LIMIT_RATES=() P99S=() RSS=() NOTES="" NO_STORAGE_RATES=()
for ((run = 1; run <= RUNS; run++)); do
  store=$BENCH_WORK/store-$run
  # A forwarder's 100 blobs are ~107 KB: above the default --max-body (64K). Not more:
  # each worker's parser reserves memory in proportion to --max-body.
  kpid_options=("$store" "$BENCH_WORK/kpid-$run.log" --sync "$SYNC" --max-batch 100 --max-body 128K)
  if [ "$SEAL_HOLD_MS" != 0 ]; then
    KPI_PAUSE_AT=seal.pass:$SEAL_HOLD_MS start_kpid "${kpid_options[@]}"
  else
    start_kpid "${kpid_options[@]}"
  fi
  read -r rate p99 bad <<<"$(measure "$KPID_PORT")"
  [ "$bad" != 0 ] && NOTES="$NOTES run $run: $bad non-2xx answers;"
  if [ "$SEAL_HOLD_MS" != 0 ]; then
    read -r seal_s sealed <<<"$(wait_sealed "$store" "$KPID_PORT")"
    echo "  run $run: the $sealed WALs closed under the load sealed ${seal_s} s after it" >&2
  fi
  RSS+=("$(peak_rss_kib "$KPID_PID")")  # the load's and its seals' peak
  stop_pid "$KPID_PID"
  rm -rf "$store"
  if [ "$BATCH" = 1 ]; then
    limit=$(measure_ceiling empty)
  else
    limit=$("$PARSE_LIMIT" --seconds "${DURATION%s}" "$BODIES" | awk '{ print $1 }')
    rate=$((rate * BATCH))  # records/s
  fi
  KPI_RATES+=("$rate") LIMIT_RATES+=("$limit") P99S+=("$p99")
  echo "  run $run: kpid $rate/s (p99 $p99 ms, peak RSS ${RSS[-1]} KiB), limit $limit/s" >&2
  if [ "$FIGURE" = batch ]; then
    NO_STORAGE_RATES+=("$(measure_ceiling no-storage)")
    echo "  run $run: kpid without storage ${NO_STORAGE_RATES[-1]}/s" >&2
  fi
done

kpi=$(median "${KPI_RATES[@]}")
limit=$(median "${LIMIT_RATES[@]}")
p99=$(median "${P99S[@]}")
unit=requests/s
[ "$BATCH" != 1 ] && unit=records/s
report "ingest-$FIGURE" "$kpi" "$limit" "$unit" "$(paired_ratio "${KPI_RATES[*]}" "${LIMIT_RATES[*]}")" ">=" "$TARGET" \
  "p99 ${p99} ms;$NOTES"
if [ "$BATCH" = 1 ]; then
  report "ingest-$FIGURE-p99" "$p99" "" ms "$p99" "<=" 10
fi
if [ "$FIGURE" = batch ]; then
  report ingest-ceiling-no-storage "$(median "${NO_STORAGE_RATES[@]}")" "$limit" requests/s \
    "$(paired_ratio "${NO_STORAGE_RATES[*]}" "${LIMIT_RATES[*]}")" ">=" "$TARGET" \
    "kpid's HTTP and ingest code, records dropped instead of stored"
fi
rss_mib=$(calc "$(printf '%s\n' "${RSS[@]}" | sort -n | tail -n 1) / 1024")
report "kpid-peak-rss-$FIGURE" "$rss_mib" "" MiB "$rss_mib" "<=" 64 "VmHWM, the largest of the runs"

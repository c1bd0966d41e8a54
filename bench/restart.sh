#!/bin/bash
# Restart without downtime: the time from starting kpid on a store whose
# writer left a backlog of unsealed WALs (as after a kill -9) to its first
# stored POST (200 with "stored":1), for a backlog of BACKLOG_MB (default
# 1024) against the same with no backlog, in the same run. kpid must answer
# within 1 s and the time must not grow with the backlog: kpi = the time with
# the backlog, limit = the time without, target ratio <= 1.5 and <= 1 s.
# The backlog is generated (bench/kpi-mkstore: one WAL per hour, records of
# the generator) and is in the page cache, as it is after a kill -9.
#   bench/restart.sh [--quick] [--runs N] [BACKLOG_MB]
source "$(dirname "$0")/lib.sh"
BACKLOG_MB=${ARGS[0]:-1024}
[ "$QUICK" = 1 ] && BACKLOG_MB=4
RECORDS=$((BACKLOG_MB * 1000000 / 1150))  # the generator's records are ~1.15 KB framed
HOURS=$(((BACKLOG_MB + 63) / 64))          # WALs of about 64 MiB, as kpid rotates them
NOW_HOUR_MS=$(($(date +%s) / 3600 * 3600000))

# A store whose writer `bench` exists (its seq reservation persisted), with
# or without the backlog written as that writer's WALs. The backlog's seqs
# start far above anything kpid reserves in a run.
make_store() {  # make_store DIR WITH_BACKLOG
  start_kpid "$1" "$BENCH_WORK/init.log"
  stop_pid "$KPID_PID"
  [ "$2" = 1 ] || return 0
  "$MKSTORE" --data-dir "$1" --records "$RECORDS" --hours "$HOURS" --wal-hours "$HOURS" \
    --from $((NOW_HOUR_MS - (HOURS + 2) * 3600000)) --writer bench --first-seq 1000000000000 \
    >/dev/null
}

BODY=$BENCH_WORK/body.json
gen_bodies "$BODY" 1 1

# first_post_seconds DIR: starts kpid on DIR at a known port and POSTs until
# one is stored; prints the seconds from the start to that answer.
first_post_seconds() {
  local port start end i
  port=$(free_port)
  start=$(now_s)
  "$KPID" --data-dir "$1" --listen "127.0.0.1:$port" --min-free-bytes 0 --writer-id bench \
    --forwarder-token-file "$BENCH_WORK/forwarder.token" >"$BENCH_WORK/kpid.log" 2>&1 &
  KPID_PID=$!
  BENCH_PIDS+=("$KPID_PID")
  for ((i = 0; i < 20000; i++)); do
    if curl -s -m 5 -H 'Content-Type: application/json' --data-binary "@$BODY" \
        -H "X-KPI-Forwarder-Token: $FORWARDER_TOKEN" \
        "http://127.0.0.1:$port/wsapi/interaction_data" 2>/dev/null | grep -q '"stored":1'; then
      end=$(now_s)
      stop_pid "$KPID_PID"
      awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f\n", b - a }'
      return 0
    fi
    kill -0 "$KPID_PID" 2>/dev/null || { cat "$BENCH_WORK/kpid.log" >&2; die "kpid exited"; }
    sleep 0.002
  done
  die "kpid stored no POST"
}

PRISTINE=$BENCH_WORK/pristine
make_store "$PRISTINE" 1
wal_bytes=$(du -sb "$PRISTINE/wal" | cut -f1)
cat "$PRISTINE"/wal/* >/dev/null  # in the page cache, as after a kill -9
KPI=() LIMIT=()
for ((run = 1; run <= RUNS; run++)); do
  store=$BENCH_WORK/store-$run
  cp -a "$PRISTINE" "$store"
  cat "$store"/wal/* >/dev/null
  KPI+=("$(first_post_seconds "$store")")
  rm -rf "$store" "$BENCH_WORK/empty-$run"
  make_store "$BENCH_WORK/empty-$run" 0
  LIMIT+=("$(first_post_seconds "$BENCH_WORK/empty-$run")")
  rm -rf "$BENCH_WORK/empty-$run"
  echo "  run $run: first stored POST after $(calc "${KPI[-1]} * 1000") ms with" \
    "$((wal_bytes / 1000000)) MB of WAL, $(calc "${LIMIT[-1]} * 1000") ms without" >&2
done
kpi=$(median "${KPI[@]}") limit=$(median "${LIMIT[@]}")
report restart-first-post "$kpi" "$limit" s "$(paired_ratio "${KPI[*]}" "${LIMIT[*]}")" "<=" 1.5 \
  "$((wal_bytes / 1000000)) MB of unsealed WAL in $HOURS files"
report restart-first-post-seconds "$kpi" "" s "$kpi" "<=" 1 \
  "$((wal_bytes / 1000000)) MB of unsealed WAL"

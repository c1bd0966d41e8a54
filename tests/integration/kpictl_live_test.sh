#!/bin/bash
# Reading a live store: while a loader posts to a running kpid,
# - `kpictl export` returns every record acknowledged before it started,
#   each exactly once (records acknowledged during the export may or may
#   not be in it, but never twice);
# - `kpictl tail -f` sees every acknowledged record, once, as kpid seals.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"

D=$WORK/data
ACKED=$WORK/acked
STOP=$WORK/stop
start_kpid live "$D" --max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id live
"$KPICTL" --data-dir "$D" tail -f -n 0 >"$WORK/tail.out" 2>"$WORK/tail.err" &
TAIL=$!
STARTED_PIDS+=("$TAIL")
start_loader "$PORT_live" 4
for ((i = 0; i < 600 && $(acked_count) < 300; i++)); do sleep 0.05; done
[ "$(acked_count)" -ge 300 ] || fail "loader made no progress"

acked_snapshot "$WORK/acked-before"
"$KPICTL" --data-dir "$D" export >"$WORK/export.jsonl" 2>"$WORK/export.err" ||
  fail "export during the load failed: $(cat "$WORK/export.err")"
numbers() { grep -o '"number_emails":[0-9]*' "$1" | cut -d: -f2; }
numbers "$WORK/export.jsonl" >"$WORK/exported"
# Every record acknowledged before the export began, once; none twice.
check_exactly_once "$WORK/acked-before" "$WORK/exported" "the export during the load"

touch "$STOP"
wait "$LOADER" || fail "loader failed: $(cat "$WORK/loader.log")"
total=$(wc -l <"$ACKED")
# tail -f follows WALs and seals; wait (bounded) until it has printed them all.
for ((i = 0; i < 400; i++)); do
  [ "$(numbers "$WORK/tail.out" | wc -l)" -ge "$total" ] && break
  sleep 0.05
done
numbers "$WORK/tail.out" >"$WORK/tailed"
check_exactly_once "$ACKED" "$WORK/tailed" "tail -f"
echo "live: $(wc -l <"$WORK/acked-before") acknowledged before export, $(wc -l <"$WORK/exported") exported, $total tailed"

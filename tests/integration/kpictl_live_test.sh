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
python3 "$KPI_SOURCE_DIR/tests/integration/kpid_loader.py" "$PORT_live" "$ACKED" "$STOP" 4 &
LOADER=$!
STARTED_PIDS+=("$LOADER")

acked_count() { [ -f "$ACKED" ] && wc -l <"$ACKED" || echo 0; }
for ((i = 0; i < 600 && $(acked_count) < 300; i++)); do sleep 0.05; done
[ "$(acked_count)" -ge 300 ] || fail "loader made no progress"

sort -n "$ACKED" >"$WORK/acked-before"
"$KPICTL" --data-dir "$D" export >"$WORK/export.jsonl" 2>"$WORK/export.err" ||
  fail "export during the load failed: $(cat "$WORK/export.err")"
numbers() { grep -o '"number_emails":[0-9]*' "$1" | cut -d: -f2 | sort -n; }
numbers "$WORK/export.jsonl" >"$WORK/exported"
dups=$(uniq -d "$WORK/exported" | wc -l)
[ "$dups" -eq 0 ] || fail "export returned $dups records twice"
missing=$(comm -23 "$WORK/acked-before" "$WORK/exported" | wc -l)
[ "$missing" -eq 0 ] || fail "export missed $missing records acknowledged before it started"

touch "$STOP"
wait "$LOADER" || fail "loader failed"
sort -n "$ACKED" >"$WORK/acked-all"
total=$(wc -l <"$WORK/acked-all")
# tail -f follows WALs and seals; wait (bounded) until it has printed them all.
for ((i = 0; i < 400; i++)); do
  [ "$(numbers "$WORK/tail.out" | wc -l)" -ge "$total" ] && break
  sleep 0.05
done
numbers "$WORK/tail.out" >"$WORK/tailed"
[ "$(uniq -d "$WORK/tailed" | wc -l)" -eq 0 ] || fail "tail -f printed a record twice"
missing=$(comm -23 "$WORK/acked-all" "$WORK/tailed" | wc -l)
[ "$missing" -eq 0 ] || fail "tail -f missed $missing of $total acknowledged records: $(cat "$WORK/tail.err")"
echo "live: $(wc -l <"$WORK/acked-before") acknowledged before export, $(wc -l <"$WORK/exported") exported, $total tailed"

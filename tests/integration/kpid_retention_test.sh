#!/bin/bash
# Retention is finite by default (issue 13, point 3):
#  1. kpid with no option deletes hours that ended more than 400 days ago and
#     keeps younger ones, and says so in its start-up log;
#  2. --retention 0 still keeps everything, with a warning;
#  3. --max-future above 1d is refused at start (exit 1, naming the option), so no
#     record can be dated far enough ahead to outlive the retention; within the
#     cap, a record further ahead than --max-future is rejected and not stored.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}" "${KPI_BINARY_DIR:?}"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
[ -x "$MKSTORE" ] || fail "$MKSTORE is not built"

# --- 1. the default ---------------------------------------------------------
D=$WORK/default
old_hour=$(date -u -d '-420 days' +%Y-%m-%dT%H)
young_hour=$(date -u -d '-380 days' +%Y-%m-%dT%H)
"$MKSTORE" --data-dir "$D" --records 50 --hours 1 --from "$old_hour" --writer old >/dev/null
"$MKSTORE" --data-dir "$D" --records 50 --hours 1 --from "$young_hour" --writer young >/dev/null
check "the store starts with two hours" test "$(segments_in "$D")" = 2
KPID_DEFAULTS=1 start_kpid def "$D" --writer-id def
check "the default retention removes the hour of 420 days ago" wait_hours_left "$D" 1
check "and keeps the hour of 380 days ago" test -d "$D/segments/${young_hour:0:4}/${young_hour:5:2}/${young_hour:8:2}/${young_hour:11:2}"
grep -q "retention: hours that ended more than 400d ago are deleted" "$WORK/def.log" ||
  fail "kpid does not log its retention at start"
grep -q "retention: removed hour ${old_hour}" "$WORK/def.log" || fail "no log line for the removed hour"
stop_kpid def

# --- 2. --retention 0 keeps everything, and warns ----------------------------
K=$WORK/keep
"$MKSTORE" --data-dir "$K" --records 50 --hours 1 --from "$old_hour" --writer old >/dev/null
start_kpid keep "$K" --writer-id keep --retention 0
check "--retention 0 keeps the old hour" test "$(segments_in "$K")" = 1
grep -q "warn retention: --retention 0 keeps every record forever" "$WORK/keep.log" ||
  fail "--retention 0 is not warned about"
stop_kpid keep

# --- 3. --max-future is capped -----------------------------------------------
rc=0
"$KPID" --data-dir "$WORK/future" --listen 127.0.0.1:0 --max-future 2d >"$WORK/future.log" 2>&1 || rc=$?
check "--max-future 2d is refused with exit 1 (got $rc)" test "$rc" = 1
grep -q -- "--max-future: 2d is not within 0..1d" "$WORK/future.log" ||
  fail "the refusal does not name --max-future: $(cat "$WORK/future.log")"
check "a refused start creates no store" test ! -e "$WORK/future/wal"

start_kpid f "$WORK/f" --writer-id f --max-future 1d --seal-grace 0s
now=$(date +%s%3N)
printf '{"data":[{"timestamp":%s,"event_stream":[["picker",1]],"number_emails":1},{"timestamp":%s,"event_stream":[["picker",1]],"number_emails":2}]}' \
  $((now + 23 * 3600 * 1000)) $((now + 25 * 3600 * 1000)) >"$WORK/ahead.json"
got=$(post "$PORT_f" application/json "$WORK/ahead.json")
case "$got" in
  '200 {"stored":1,"rejected":[{"index":1,"field":"timestamp"'*) ;;
  *) fail "a record 25 h ahead under --max-future 1d: $got" ;;
esac
"$KPICTL" --data-dir "$WORK/f" export >"$WORK/f.jsonl"
check "only the record within --max-future is stored" test "$(jq -s 'map(.number_emails) == [1]' "$WORK/f.jsonl")" = true
stop_kpid f
echo "PASS"

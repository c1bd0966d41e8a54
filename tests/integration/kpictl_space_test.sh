#!/bin/bash
# kpictl compact and purge, and kpid's own retention, end to end:
#  1. the CLI on a store written by bench/kpi-mkstore: stdout, stderr and
#     exit codes of compact and purge, for success, bad input (1) and a
#     store problem (2: a missing dir, a held lock, --include-open under a
#     running writer);
#  2. compact and purge while a loader posts to a running kpid: every
#     acknowledged record is present exactly once afterwards;
#  3. kpid --retention and --max-disk-bytes remove old hours by themselves
#     and count them in /metrics.
# The full-disk purge is kpictl_purge_full_disk_test.sh (it needs a mount).
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}" "${KPI_BINARY_DIR:?}"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
[ -x "$MKSTORE" ] || { echo "SKIP: $MKSTORE not built"; exit 77; }
command -v flock >/dev/null || { echo "SKIP: no flock(1)"; exit 77; }

# expect CODE NAME CMD...: runs CMD, stdout in $WORK/out, stderr in $WORK/err.
expect() {
  local code=$1 name=$2 got=0
  shift 2
  "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
  [ "$got" = "$code" ] || { cat "$WORK/err" >&2; fail "$name: exit $got, expected $code"; }
}
out_has() { grep -q -- "$1" "$WORK/out" || { cat "$WORK/out" >&2; fail "stdout lacks '$1'"; }; }
err_has() { grep -q -- "$1" "$WORK/err" || { cat "$WORK/err" >&2; fail "stderr lacks '$1'"; }; }

# ------------------------------------------------------------------ 1. CLI
S=$WORK/store
"$MKSTORE" --data-dir "$S" --records 800 --hours 4 --from 2026-01-01 --writer a1 --seed 1 >/dev/null
"$MKSTORE" --data-dir "$S" --records 800 --hours 4 --from 2026-01-01 --writer b2 --seed 2 >/dev/null
"$KPICTL" --data-dir "$S" export >"$WORK/before.jsonl"
check "the store holds 1600 records" test "$(wc -l <"$WORK/before.jsonl")" = 1600

expect 0 "compact" "$KPICTL" --data-dir "$S" compact --level 9
check "compact prints one line per hour" test "$(grep -c ' -> compact-0000000000000001.kpi.zst' "$WORK/out")" = 4
out_has "2026-01-01T00  2 segments -> compact-0000000000000001.kpi.zst  400 records"
out_has "compacted 4 hours, 1600 records"
check "one segment per hour after compact" test "$(segments_in "$S")" = 4
"$KPICTL" --data-dir "$S" export | cmp -s - "$WORK/before.jsonl" || fail "compact changed the export"

expect 0 "compact again" "$KPICTL" --data-dir "$S" compact
out_has "compacted 0 hours"
err_has "4 hours were already compact"
expect 0 "compact -q" "$KPICTL" -q --data-dir "$S" compact
check "-q silences notes" test ! -s "$WORK/err"

expect 1 "compact with a bad level" "$KPICTL" --data-dir "$S" compact --level 40
expect 1 "compact with a bad range" "$KPICTL" --data-dir "$S" compact not-a-time
expect 2 "compact of a missing dir" "$KPICTL" --data-dir "$WORK/nope" compact
err_has "$WORK/nope"

# A held maintenance lock: the second compaction or purge is refused.
mkdir -p "$S/locks"
exec 9>"$S/locks/compact.lock"
flock -n 9 || fail "cannot take the maintenance lock for the test"
expect 2 "compact while another runs" "$KPICTL" --data-dir "$S" compact
err_has "compact.lock is held"
expect 2 "purge while a compaction runs" "$KPICTL" --data-dir "$S" purge --before 2026-01-02
exec 9>&-

expect 1 "purge without a limit" "$KPICTL" --data-dir "$S" purge
err_has "purge needs a limit"
expect 1 "purge with a bad time" "$KPICTL" --data-dir "$S" purge --before yesterdayish
expect 1 "purge with a bad size" "$KPICTL" --data-dir "$S" purge --max-bytes 12Q
expect 1 "purge with a bad percentage" "$KPICTL" --data-dir "$S" purge --keep-free-percent 120

expect 0 "purge --dry-run" "$KPICTL" --data-dir "$S" purge --dry-run --before 2026-01-01T02
check "dry run lists two hours" test "$(grep -c '^would remove ' "$WORK/out")" = 2
out_has "would remove 2026-01-01T00  1 segments"
out_has "would free "
check "dry run removes nothing" test "$(segments_in "$S")" = 4

"$KPICTL" --data-dir "$S" export 2026-01-01T02.. >"$WORK/kept.jsonl"
expect 0 "purge --before" "$KPICTL" --data-dir "$S" purge --before 2026-01-01T02
out_has "removed 2026-01-01T00  1 segments"
out_has "removed 2026-01-01T01  1 segments"
out_has "freed "
"$KPICTL" --data-dir "$S" export | cmp -s - "$WORK/kept.jsonl" || fail "purge removed the wrong records"
check "purged hour dirs are gone" test ! -d "$S/segments/2026/01/01/00"

expect 0 "purge of a range" "$KPICTL" --data-dir "$S" purge 2026-01-01T03
out_has "removed 2026-01-01T03"
check "one hour left" test "$(segments_in "$S")" = 1

# Open hours: a WAL (mkstore --wal-hours) is kept unless --include-open, and
# --include-open is refused while its writer's lock is held.
O=$WORK/open
"$MKSTORE" --data-dir "$O" --records 300 --hours 3 --from 2026-02-01 --writer w1 --wal-hours 1 >/dev/null
check "the open store has a WAL" test "$(find "$O/wal" -name '*.wal' | wc -l)" = 1
expect 0 "purge keeps open hours" "$KPICTL" --data-dir "$O" purge --before 2030-01-01
check "two sealed hours removed" test "$(grep -c '^removed ' "$WORK/out")" = 2
check "the WAL is kept" test "$(find "$O/wal" -name '*.wal' | wc -l)" = 1
expect 0 "purge --max-bytes 1 says what it cannot meet" "$KPICTL" --data-dir "$O" purge --max-bytes 1
err_has "not met: --max-bytes"
mkdir -p "$O/writers/w1"
exec 8>"$O/writers/w1/lock"
flock -n 8 || fail "cannot take the writer lock for the test"
expect 2 "--include-open under a running writer" "$KPICTL" --data-dir "$O" purge --before 2030-01-01 --include-open
err_has "stop kpid first"
check "nothing removed while refused" test "$(find "$O/wal" -name '*.wal' | wc -l)" = 1
exec 8>&-
expect 0 "--include-open once the writer stopped" "$KPICTL" --data-dir "$O" purge --before 2030-01-01 --include-open
out_has "1 WALs"
check "the WAL is gone" test "$(find "$O/wal" -name '*.wal' | wc -l)" = 0

# ---------------------------------------------- 2. compact and purge under load
L=$WORK/live
"$MKSTORE" --data-dir "$L" --records 300 --hours 3 --from 2012-06-01 --writer old >/dev/null
start_kpid live "$L" --max-age 0 --seal-grace 0s --writer-id live
python3 "$KPI_SOURCE_DIR/tests/integration/kpid_loader.py" "$PORT_live" "$WORK/acked" "$WORK/stop" 4 &
LOADER=$!
STARTED_PIDS+=("$LOADER")
rounds=0
while kill -0 "$LOADER" 2>/dev/null && [ "$rounds" -lt 200 ]; do
  "$KPICTL" -q --data-dir "$L" compact --level 3 >"$WORK/out" 2>"$WORK/err" ||
    { cat "$WORK/err" >&2; fail "compact under load failed"; }
  "$KPICTL" -q --data-dir "$L" purge --before 2013-01-01 >"$WORK/out" 2>"$WORK/err" ||
    { cat "$WORK/err" >&2; fail "purge under load failed"; }
  rounds=$((rounds + 1))
done
wait "$LOADER" || fail "the loader failed"
stop_kpid live
check "kpid exits 0 after compact and purge (got $STOP_RC)" test "$STOP_RC" = 0
expect 0 "final compact" "$KPICTL" --data-dir "$L" compact --level 3
check "each loaded hour is one segment" test "$(segments_in "$L")" = 5
"$KPICTL" --data-dir "$L" export >"$WORK/live.jsonl" || fail "export after the load failed"
check "the purged hours of 2012 are gone" test "$(grep -c '"_id":"old-' "$WORK/live.jsonl")" = 0
grep -o '"number_emails":[0-9]*' "$WORK/live.jsonl" | cut -d: -f2 | sort -n >"$WORK/stored"
sort -n "$WORK/acked" >"$WORK/acked.sorted"
check "the loader got answers" test "$(wc -l <"$WORK/acked.sorted")" -gt 1000
missing=$(comm -23 "$WORK/acked.sorted" "$WORK/stored" | head -n 5 | tr '\n' ' ')
check "every acknowledged record is stored (missing: $missing; $rounds rounds)" test -z "$missing"
dups=$(uniq -d "$WORK/stored" | head -n 5 | tr '\n' ' ')
check "no record is stored twice ($dups)" test -z "$dups"

# ------------------------------------------------------------ 3. retention
metric() {  # metric PORT NAME
  curl -sS "http://127.0.0.1:$1/metrics" | sed -n "s/^$2 //p"
}
R=$WORK/retention
"$MKSTORE" --data-dir "$R" --records 300 --hours 3 --from 2012-06-01 --writer old >/dev/null
"$MKSTORE" --data-dir "$R" --records 100 --hours 1 --from "$(date -u -d '-3 hours' +%Y-%m-%dT%H)" \
  --writer recent >/dev/null
start_kpid ret "$R" --retention 30d --writer-id ret
check "retention removes the hours older than 30 days" wait_hours_left "$R" 1
check "/metrics counts the removed hours" test "$(metric "$PORT_ret" kpi_retention_hours_removed_total)" = 3
check "/metrics counts the removed segments" test "$(metric "$PORT_ret" kpi_retention_segments_removed_total)" = 3
grep -q "retention: removed hour 2012-06-01T00: 1 segments" "$WORK/ret.log" || fail "no log line per removed hour"
stop_kpid ret

B=$WORK/budget
"$MKSTORE" --data-dir "$B" --records 600 --hours 6 --from 2012-06-01 --writer old >/dev/null
budget=$(find "$B/segments" -name '*.kpi.zst' -printf '%P %s\n' | sort | tail -n 2 | awk '{ s += $2 } END { print s }')
start_kpid budget "$B" --max-disk-bytes "$budget" --writer-id budget
check "--max-disk-bytes keeps the newest hours that fit" wait_hours_left "$B" 2
check "the newest hours are the ones kept" test -d "$B/segments/2012/06/01/05"
check "/metrics counts them" test "$(metric "$PORT_budget" kpi_retention_hours_removed_total)" = 4
stop_kpid budget
echo "PASS ($rounds rounds of compact and purge under load, $(wc -l <"$WORK/acked.sorted") records acknowledged)"

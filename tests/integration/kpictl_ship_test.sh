#!/bin/bash
# kpictl ship against a real clickhouse-server (the Debian package) on
# loopback: a store written by kpi-mkstore is shipped, and after every step
# ClickHouse's counts per hour (with FINAL) equal kpictl scan's, row values
# equal kpictl export's, and the success rate per day (uses whose
# event_stream has assertion_generated) equals the one computed from the
# export. Steps: credentials refused unless private, first ship, an unchanged
# rerun, re-ship without state (idempotent), a late segment, compaction, a
# foreign row, kill -9 (at crash points and at a random moment) then rerun,
# purge, --follow, a store copied into two data directories (sent once),
# rows deleted behind kpictl's back (a mismatch, reported), and one shipper
# per table (a second one refused, --take-over).
source "$(dirname "$0")/kpid_lib.sh"
source "$(dirname "$0")/clickhouse_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
command -v jq >/dev/null || fail "no jq (apt-get install jq)"

start_clickhouse c
A=$WORK/a
"$MKSTORE" --data-dir "$A" --records 2500 --hours 5 --from 2013-02-21T10 --writer a1 \
  >/dev/null || fail "kpi-mkstore failed"
# An hour kpid has not sealed yet (a WAL), a week later: never shipped.
"$MKSTORE" --data-dir "$A" --records 100 --hours 1 --from 2013-03-01T00 --writer w9 \
  --wal-hours 1 >/dev/null || fail "kpi-mkstore (open hour) failed"
printf 'kpi:%s\n' "$CH_PASSWORD" >"$WORK/creds"
chmod 600 "$WORK/creds"
STATE=$WORK/ship.state
ship() {
  "$KPICTL" --data-dir "$A" ship --clickhouse "$CH_URL_c" --credentials-file "$WORK/creds" \
    --state-file "$STATE" "$@" >"$WORK/out" 2>"$WORK/err"
}
ship_ok() { ship "$@" || fail "kpictl ship $*: exit $?: $(cat "$WORK/err")"; }
# The range of the sealed hours, which kpictl ship sends.
SEALED=(2013-02-21 2013-03-01)

# same_counts: per-hour counts with FINAL equal kpictl scan's over the sealed hours.
same_counts() {
  "$KPICTL" --data-dir "$A" scan "${SEALED[@]}" --by hour --json |
    jq -r 'select(.records > 0) | "\(.start_ms)\t\(.records)"' >"$WORK/want_hours"
  ch c "SELECT intDiv(timestamp, 3600000) * 3600000 AS h, count() FROM kpi_records FINAL
        GROUP BY h ORDER BY h" >"$WORK/got_hours"
  diff "$WORK/want_hours" "$WORK/got_hours" >&2 || fail "per-hour counts differ from kpictl scan"
}
# same_as_store: same_counts, the rows equal the export value by value, and
# the success rate per day is the export's.
same_as_store() {
  same_counts
  "$KPICTL" --data-dir "$A" export "${SEALED[@]}" >"$WORK/want.jsonl"
  ch c "SELECT _id, timestamp, event_stream, new_account, number_emails, language, sample_rate,
        screen_size_width, user_agent_os, user_agent_version FROM kpi_records FINAL
        ORDER BY timestamp, _id FORMAT JSONEachRow" >"$WORK/got.jsonl"
  python3 - "$WORK/want.jsonl" "$WORK/got.jsonl" <<'PY' || fail "rows differ from kpictl export"
import json, sys
want = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
assert len(want) == len(got), (len(want), len(got))
def num(v):
    return None if v is None else float(v)
for w, g in zip(want, got):
    assert g["_id"] == w["_id"] and int(g["timestamp"]) == w["timestamp"], (g, w)
    assert json.loads(g["event_stream"]) == w.get("event_stream"), g["_id"]
    b = w.get("new_account")
    assert g["new_account"] == (None if b is None else int(b)), (g, w)
    assert num(g["number_emails"]) == num(w.get("number_emails")), (g, w)
    assert g["language"] == w.get("language"), (g, w)
    assert num(g["sample_rate"]) == num(w.get("sample_rate")), (g, w)
    assert num(g["screen_size_width"]) == num(w.get("screen_size", {}).get("width")), (g, w)
    ua = w.get("user_agent", {})
    assert g["user_agent_os"] == ua.get("os"), (g, w)
    v = ua.get("version")
    assert g["user_agent_version"] == (None if v is None else (v if isinstance(v, str) else json.dumps(v))), (g, w)
PY
  # The flow's success rate per day: uses whose event_stream has assertion_generated.
  jq -r '[(.timestamp / 86400000 | floor), (any(.event_stream[]; .[0] == "assertion_generated") | tostring)] | @tsv' \
    "$WORK/want.jsonl" | sort | uniq -c |
    awk '{n[$2] += $1; if ($3 == "true") s[$2] += $1} END {for (d in n) printf "%.0f\t%d\t%d\n", d * 86400000, s[d], n[d]}' |
    sort >"$WORK/want_rate"
  ch c "SELECT intDiv(timestamp, 86400000) * 86400000 AS day,
        countIf(position(event_stream, '\"assertion_generated\"') > 0), count()
        FROM kpi_records FINAL GROUP BY day ORDER BY day" >"$WORK/got_rate"
  diff "$WORK/want_rate" "$WORK/got_rate" >&2 || fail "success rate per day differs from the export's"
}
out_lines() { grep -c "^$1 " "$WORK/out"; }

# --- credentials: only from a private file, never echoed -----------------------
chmod 644 "$WORK/creds"
ship && fail "a credentials file readable by others was accepted"
grep -q 'chmod 600' "$WORK/err" || fail "no chmod hint: $(cat "$WORK/err")"
chmod 600 "$WORK/creds"
"$KPICTL" --data-dir "$A" ship --clickhouse "http://kpi:$CH_PASSWORD@127.0.0.1:$CH_HTTP_c" \
  --state-file "$STATE" 2>"$WORK/err" && fail "a URL with credentials was accepted"
grep -q 'credentials file' "$WORK/err" || fail "no credentials-file hint: $(cat "$WORK/err")"
printf 'kpi:wrong-%s\n' "$CH_PASSWORD" >"$WORK/bad-creds"
chmod 600 "$WORK/bad-creds"
"$KPICTL" --data-dir "$A" ship --clickhouse "$CH_URL_c" --credentials-file "$WORK/bad-creds" \
  --state-file "$STATE" 2>"$WORK/err"
check "a wrong password exits 2" test $? -eq 2
grep -q 'credentials file' "$WORK/err" || fail "no hint on a wrong password: $(cat "$WORK/err")"
grep -q "$CH_PASSWORD" "$WORK/err" && fail "the password was printed"
[ -e "$STATE" ] && fail "a failed sign-in wrote the state file"

# --- first ship, then a rerun that has nothing to do -----------------------------
ship_ok
check "5 sealed hours shipped, the open one left ($(cat "$WORK/out"))" test "$(out_lines shipped)" -eq 5
same_as_store
check "the state file is private" test "$(stat -c %a "$STATE")" = 600
grep -q "$CH_PASSWORD" "$STATE" && fail "the password is in the state file"
cp "$STATE" "$WORK/state.before"
ship_ok
check "an unchanged store ships nothing ($(cat "$WORK/out"))" test ! -s "$WORK/out"
cmp -s "$STATE" "$WORK/state.before" || fail "an unchanged run changed the state"

# --- --table and --schema: another table; a table of another engine is refused --
ch c "CREATE DATABASE IF NOT EXISTS kpi" >/dev/null
"$KPICTL" --data-dir "$A" ship --clickhouse "$CH_URL_c" --credentials-file "$WORK/creds" \
  --state-file "$WORK/other.state" --table kpi.other --schema "$KPI_SOURCE_DIR/packaging/schema.json" \
  >/dev/null 2>"$WORK/err" || fail "ship --table kpi.other: $(cat "$WORK/err")"
check "--table kpi.other holds every record" \
  test "$(ch c 'SELECT count() FROM kpi.other FINAL')" -eq "$(ch c 'SELECT count() FROM kpi_records FINAL')"
ch c "CREATE TABLE kpi.plain (_id String) ENGINE = Log" >/dev/null
"$KPICTL" --data-dir "$A" ship --clickhouse "$CH_URL_c" --credentials-file "$WORK/creds" \
  --state-file "$WORK/plain.state" --table kpi.plain >/dev/null 2>"$WORK/err"
check "a table of another engine exits 1" test $? -eq 1
grep -q 'expected a ReplacingMergeTree' "$WORK/err" || fail "no engine message: $(cat "$WORK/err")"

# --- a data directory that is no store (a mount that failed) deletes nothing -----
mkdir "$WORK/empty"
"$KPICTL" --data-dir "$WORK/empty" ship --clickhouse "$CH_URL_c" --credentials-file "$WORK/creds" \
  --state-file "$STATE" >"$WORK/out" 2>"$WORK/err"
check "an empty data directory exits 2" test $? -eq 2
grep -q 'is it mounted' "$WORK/err" || fail "no hint for an empty data dir: $(cat "$WORK/err")"
same_counts

# --- without its state: every hour again, still once each after FINAL ----------
rm "$STATE"
ship_ok
check "all 5 hours reshipped without a state" test "$(out_lines reshipped)" -eq 5
check "the rows are in the table twice before merging" \
  test "$(ch c 'SELECT count() FROM kpi_records')" -gt "$(ch c 'SELECT count() FROM kpi_records FINAL')"
same_as_store

# --- a late segment and a compaction change hours: they are shipped again -------
"$MKSTORE" --data-dir "$A" --records 40 --hours 1 --from 2013-02-21T11 --writer b2 --seed 5 \
  >/dev/null || fail "kpi-mkstore (late segment) failed"
ship_ok
grep -qx 'reshipped 2013-02-21T11 540 records' "$WORK/out" ||
  fail "the hour with a late segment was not reshipped: $(cat "$WORK/out")"
check "only that hour" test "$(wc -l <"$WORK/out")" -eq 1
same_counts
"$KPICTL" --data-dir "$A" compact 2013-02-21T10 2013-02-21T13 >/dev/null 2>&1 || fail "compact failed"
ship_ok
check "the 3 compacted hours reshipped ($(cat "$WORK/out"))" test "$(out_lines reshipped)" -eq 3
same_as_store

# --- a row the store does not have is removed when its hour is shipped again ---
ch c "INSERT INTO kpi_records (_id, timestamp) VALUES ('zz-foreign', $((1361440800000 + 3600000 * 3)))" >/dev/null
rm "$STATE"
ship_ok
same_counts

# --- kill -9 at the crash points and at a random moment, then a rerun ------------
"$MKSTORE" --data-dir "$A" --records 8000 --hours 1 --from 2013-02-22T05 --writer c3 \
  --seed 11 >/dev/null || fail "kpi-mkstore (big hour) failed"
KPI_CRASH_AT=ship.chunk:3 ship
check "crashed in the middle of the insert (exit $?)" test $? -eq 86
ship_ok
grep -q '2013-02-22T05 8000 records' "$WORK/out" || fail "rerun did not ship the hour: $(cat "$WORK/out")"
same_counts
"$MKSTORE" --data-dir "$A" --records 500 --hours 1 --from 2013-02-22T06 --writer d4 \
  >/dev/null || fail "kpi-mkstore failed"
KPI_CRASH_AT=ship.inserted ship
check "crashed after the insert, before the state (exit $?)" test $? -eq 86
ship_ok
grep -qx 'reshipped 2013-02-22T06 500 records' "$WORK/out" || fail "after the crash: $(cat "$WORK/out")"
same_counts
for delay in 0.05 0.2; do
  rm -f "$STATE"
  "$KPICTL" --data-dir "$A" ship --clickhouse "$CH_URL_c" --credentials-file "$WORK/creds" \
    --state-file "$STATE" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  ship_ok
  same_counts
done

# --- purge: the hours go from ClickHouse too -------------------------------------
"$KPICTL" --data-dir "$A" purge 2013-02-21T10 2013-02-21T12 >/dev/null 2>&1 || fail "purge failed"
KPI_CRASH_AT=ship.deleted ship
check "crashed after the deletion, before the state (exit $?)" test $? -eq 86
ship_ok
check "nothing left to drop after the crash ($(cat "$WORK/out"))" test ! -s "$WORK/out"
check "the purged hours are gone" \
  test "$(ch c 'SELECT count() FROM kpi_records FINAL WHERE timestamp < 1361448000000')" -eq 0
same_counts
"$KPICTL" --data-dir "$A" purge 2013-02-22 >/dev/null 2>&1 || fail "purge failed"
ship_ok
check "dropped the purged day's 2 hours ($(cat "$WORK/out"))" test "$(out_lines dropped)" -eq 2
same_counts

# --- --follow ships hours as they appear, and stops on SIGTERM -----------------
"$KPICTL" --data-dir "$A" ship --clickhouse "$CH_URL_c" --credentials-file "$WORK/creds" \
  --state-file "$STATE" --follow --interval 100ms >"$WORK/follow.out" 2>"$WORK/follow.err" &
FOLLOW=$!
STARTED_PIDS+=("$FOLLOW")
"$MKSTORE" --data-dir "$A" --records 70 --hours 1 --from 2013-02-23T01 --writer e5 \
  >/dev/null || fail "kpi-mkstore failed"
for ((i = 0; i < 200; i++)); do
  grep -q 'shipped 2013-02-23T01 70 records' "$WORK/follow.out" && break
  sleep 0.05
done
grep -q 'shipped 2013-02-23T01 70 records' "$WORK/follow.out" || fail "--follow did not ship the new hour"
kill -TERM "$FOLLOW"
wait "$FOLLOW"
check "--follow exits 0 on SIGTERM" test $? -eq 0
same_as_store

# --- a store copied into two data directories: each record is sent once --------
B=$WORK/b
"$MKSTORE" --data-dir "$B" --records 70 --hours 1 --from 2013-02-23T01 --writer e5 \
  >/dev/null || fail "kpi-mkstore failed"
"$KPICTL" --data-dir "$A" --data-dir "$B" ship --clickhouse "$CH_URL_c" \
  --credentials-file "$WORK/creds" --state-file "$STATE" >"$WORK/out" 2>"$WORK/err" ||
  fail "ship of two copies: exit $?: $(cat "$WORK/err")"
grep -qx 'reshipped 2013-02-23T01 70 records' "$WORK/out" ||
  fail "the copied hour was not sent once: $(cat "$WORK/out")"

# --- rows gone between the insert and the count: a mismatch, reported, retried ---
"$MKSTORE" --data-dir "$A" --records 50 --hours 1 --from 2013-02-23T02 --writer g7 \
  >/dev/null || fail "kpi-mkstore failed"
HOUR_ROWS="SELECT count() FROM kpi_records WHERE timestamp >= 1361584800000 AND timestamp < 1361588400000"
KPI_PAUSE_AT=ship.inserted:5000 ship &
SHIPPER=$!
for ((i = 0; i < 200; i++)); do
  [ "$(ch c "$HOUR_ROWS")" -gt 0 ] && break
  sleep 0.02
done
ch c "ALTER TABLE kpi_records DELETE WHERE timestamp >= 1361584800000 AND timestamp < 1361588400000" >/dev/null
for ((i = 0; i < 200; i++)); do
  [ "$(ch c "$HOUR_ROWS")" -eq 0 ] && break
  sleep 0.02
done
wait "$SHIPPER"
check "a count mismatch exits 2" test $? -eq 2
grep -q 'mismatch: hour 2013-02-23T02: kpi sent 50 records, ClickHouse counts 0' "$WORK/err" ||
  fail "mismatch not reported: $(cat "$WORK/err")"
ship_ok
grep -qx 'shipped 2013-02-23T02 50 records' "$WORK/out" || fail "the hour was not retried: $(cat "$WORK/out")"
same_counts

# --- one shipper per table: another one is refused and changes nothing ----------
OWNER="$(hostname):$STATE"
check "the first shipper claimed the table" \
  test "$(ch c 'SELECT shipper FROM kpi_records_shipper')" = "$OWNER"
C=$WORK/c  # another node's store, which the owner is not given
"$MKSTORE" --data-dir "$C" --records 30 --hours 1 --from 2013-02-24T01 --writer f6 \
  >/dev/null || fail "kpi-mkstore failed"
SECOND_DIRS=(--data-dir "$C")
second() {
  "$KPICTL" "${SECOND_DIRS[@]}" ship --clickhouse "$CH_URL_c" --credentials-file "$WORK/creds" \
    --state-file "$WORK/second.state" "$@" >"$WORK/out" 2>"$WORK/err"
}
rows_before=$(ch c 'SELECT count() FROM kpi_records')
second
check "a second shipper of the table exits 1" test $? -eq 1
grep -qF "is shipped by $OWNER (data dirs $A, since " "$WORK/err" ||
  fail "the refusal does not name the owner: $(cat "$WORK/err")"
grep -qF 'run this one once with --take-over' "$WORK/err" || fail "no --take-over hint: $(cat "$WORK/err")"
check "the refused shipper printed nothing on stdout" test ! -s "$WORK/out"
check "the refused shipper wrote no state" test ! -e "$WORK/second.state"
check "the refused shipper inserted and deleted nothing" \
  test "$(ch c 'SELECT count() FROM kpi_records')" -eq "$rows_before"
check "its claim was not kept" test "$(ch c 'SELECT count() FROM kpi_records_shipper')" -eq 1
second --follow --interval 100ms
check "--follow of a refused shipper stops with exit 1" test $? -eq 1
rm "$STATE"  # a deleted state file keeps the claim: same host, same path
ship_ok
check "the owner still ships after its state file was deleted" test "$(out_lines reshipped)" -gt 0
same_counts

# --- --take-over: the new shipper owns the table, the old one is refused ----------
SECOND_DIRS+=(--data-dir "$A")
"$KPICTL" "${SECOND_DIRS[@]}" ship --take-over --clickhouse "$CH_URL_c" \
  --credentials-file "$WORK/creds" --state-file "$WORK/second.state" >"$WORK/out" 2>"$WORK/err" ||
  fail "ship --take-over: exit $?: $(cat "$WORK/err")"
grep -qx 'shipped 2013-02-24T01 30 records' "$WORK/out" || fail "--take-over shipped: $(cat "$WORK/out")"
check "one claim left, the new owner's" \
  test "$(ch c 'SELECT shipper FROM kpi_records_shipper')" = "$(hostname):$WORK/second.state"
second || fail "the new owner's rerun: exit $?: $(cat "$WORK/err")"
ship
check "the old owner is refused after the take-over" test $? -eq 1
grep -qF "is shipped by $(hostname):$WORK/second.state" "$WORK/err" ||
  fail "the old owner's refusal: $(cat "$WORK/err")"
echo "ok"

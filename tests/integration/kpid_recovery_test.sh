#!/bin/bash
# Restart without downtime: kpid killed with a backlog of unsealed WALs (one
# per hour, left open by a long --seal-grace) answers at once and seals the
# backlog in the background. Throughout the background seal,
# - every `kpictl export` returns each acknowledged record exactly once;
# - a new POST is stored, and ends up stored once;
# and once the backlog is sealed, no WAL of the old process is left.
# At least one export must run while recovered WALs are still unsealed, or
# the test says so: the restarted kpid pauses 50 ms after publishing each
# segment, before deleting its WAL (KPI_PAUSE_AT), so the seal of the 60-WAL
# backlog lasts seconds however fast the machine, and exports meet WALs whose
# segment already exists too.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"

D=$WORK/data
ACKED=$WORK/acked
STOP=$WORK/stop
HOURS=60
NOW_HOUR_MS=$(($(date +%s) / 3600 * 3600000))
# Hours in the past but far from finished for --seal-grace 10000h: their WALs
# stay open until the kill, so all of them make the backlog.
OPTS=(--max-age 0 --seal-grace 10000h --min-free-bytes 0 --writer-id recov)

start_kpid r0 "$D" "${OPTS[@]}"
start_loader "$PORT_r0" 4 --base-ts $((NOW_HOUR_MS - HOURS * 3600000)) --hours "$HOURS"
wait_for_acks 3000
touch "$STOP"
wait "$LOADER" || fail "loader failed"
wal_count() { find "$D/wal" -name '*recov*' -type f | wc -l; }
backlog=$(wal_count)
[ "$backlog" -ge "$HOURS" ] || fail "expected $HOURS open WALs before the kill, found $backlog"

KPI_PAUSE_AT=seal.published:50 restart_kpid r0 r1 "$D" "${OPTS[@]}"
printf '{"timestamp":%s,"event_stream":[["screen.rp_info",1]],"new_account":true,"number_emails":9999}' "$NOW_HOUR_MS" >"$WORK/new.json"
out=$(post "$PORT_r1" application/json "$WORK/new.json")
[[ "$out" == "200 "*'"stored":1'* ]] || fail "a POST right after the restart was not stored: $out"
echo 9999 >>"$ACKED"

numbers() { grep -o '"number_emails":[0-9]*' "$1" | cut -d: -f2; }
exports=0 during=0
for ((i = 0; i < 400; i++)); do
  left=$(wal_count)
  "$KPICTL" --data-dir "$D" export >"$WORK/export.jsonl" 2>"$WORK/export.err" ||
    fail "export $exports during the background seal failed: $(cat "$WORK/export.err")"
  exports=$((exports + 1))
  numbers "$WORK/export.jsonl" >"$WORK/exported"
  check_exactly_once "$ACKED" "$WORK/exported" "export $exports ($left WALs unsealed before it)"
  # More than one WAL left: the open WAL of the new POST's hour is the other.
  [ "$left" -gt 1 ] && during=$((during + 1))
  [ "$left" -le 1 ] && break
  sleep 0.05
done
[ "$(wal_count)" -le 1 ] || fail "the backlog was not sealed: $(wal_count) WALs left"
[ "$during" -gt 0 ] || fail "no export ran while the backlog was being sealed (test too weak)"
grep -q "cannot seal" "$WORK/r1.log" && fail "kpid could not seal a recovered WAL"

stop_kpid r1
check "kpid exits 0 on SIGTERM after recovering (got $STOP_RC)" test "$STOP_RC" = 0
dump_store "$D" | grep -o '"number_emails":[0-9]*' | cut -d: -f2 >"$WORK/stored"
check_exactly_once "$ACKED" "$WORK/stored" "the store"
echo "PASS: $(wc -l <"$ACKED") acknowledged, backlog $backlog WALs, $exports exports ($during during the seal)"

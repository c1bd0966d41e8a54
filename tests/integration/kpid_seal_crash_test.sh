#!/bin/bash
# kpid stopped at every step of sealing, under load: a loader posts numbered
# records into the last three (finished) hours, which kpid seals every 2 s,
# while kpid is restarted with KPI_CRASH_AT set to each crash point of the
# seal's publish path in turn (file_system.h: the process _exits 86 there):
#   segment.temp_written    the temp segment is whole, not yet synced
#   segment.before_publish  synced and closed, not yet renamed
#   segment.renamed         renamed, the directory not yet synced
#   seal.published          published, the WAL not yet removed
# Each crash is checked to be that crash point (exit 86) and to leave what
# that step leaves (a temp file, or a segment beside its WAL). After a
# restart without crash points, every acknowledged record is stored exactly
# once, no temp file is left and `kpictl verify` is clean.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"

D=$WORK/data
ACKED=$WORK/acked
STOP=$WORK/stop
OPTS=(--max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id sealer)
POINTS=(segment.temp_written segment.before_publish segment.renamed seal.published)

temp_files() { find "$D/segments" -name '.*.tmp' 2>/dev/null; }
# Segments whose WAL is still there: "<writer>-<seq>" of both names.
sealed_with_wal() {
  comm -12 <(find "$D/segments" -name '*.kpi.zst' -printf '%f\n' 2>/dev/null |
    sed 's/\.kpi\.zst$//' | sort) \
    <(find "$D/wal" -name '*.wal' -printf '%f\n' 2>/dev/null | sed 's/^[0-9T]*-//; s/\.wal$//' | sort)
}

# crash_at POINT: a kpid that stops at POINT on its first seal, under load.
crash_at() {
  local point=$1 log=$WORK/crash-$1.log pid rc=0 i
  KPI_CRASH_AT=$point "$KPID" --data-dir "$D" --listen "127.0.0.1:$PORT" "${OPTS[@]}" \
    >"$log" 2>&1 &
  pid=$!
  STARTED_PIDS+=("$pid")
  for ((i = 0; i < 600; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    kill -0 "$LOADER" 2>/dev/null || fail "the loader stopped: $(cat "$WORK/loader.log")"
    sleep 0.05
  done
  kill -0 "$pid" 2>/dev/null && fail "kpid armed with KPI_CRASH_AT=$point sealed nothing in 30 s"
  wait "$pid" || rc=$?
  [ "$rc" = 86 ] || fail "kpid armed with KPI_CRASH_AT=$point $(exit_status_text "$rc"), not 86"
  case $point in
    segment.temp_written | segment.before_publish)
      [ -n "$(temp_files)" ] || fail "$point left no temp segment" ;;
    *)
      [ -n "$(sealed_with_wal)" ] || fail "$point left no segment beside its WAL" ;;
  esac
}

start_kpid k0 "$D" "${OPTS[@]}"
PORT=$PORT_k0
first_hour=$((($(date +%s) / 3600 - 3) * 3600000))
start_loader "$PORT" 4 --wide-numbers --base-ts $first_hour --hours 3
wait_for_acks 200
run=0
for point in "${POINTS[@]}"; do
  stop_kpid "k$run"  # a clean stop under load: exit 0
  crash_at "$point"
  run=$((run + 1))
  KPID_LISTEN=127.0.0.1:$PORT start_kpid "k$run" "$D" "${OPTS[@]}"
  wait_for_acks 200
done
touch "$STOP"
wait "$LOADER" || fail "loader failed: $(cat "$WORK/loader.log")"
stop_kpid "k$run"

"$KPICTL" --data-dir "$D" export >"$WORK/export.jsonl" 2>"$WORK/export.err" ||
  fail "export failed: $(cat "$WORK/export.err")"
python3 "$KPI_SOURCE_DIR/tests/integration/kpi_record_numbers.py" "$WORK/export.jsonl" sealer \
  >"$WORK/stored" || fail "the export is not clean JSON lines with unique ids"
check_exactly_once "$ACKED" "$WORK/stored" "the store"
check "recovery removed every temp segment: $(temp_files)" test -z "$(temp_files)"
"$KPICTL" --data-dir "$D" verify >"$WORK/verify.out" 2>"$WORK/verify.err" ||
  fail "kpictl verify exited $?: $(head -n 20 "$WORK/verify.err")"
echo "PASS: ${#POINTS[@]} crash points, $(wc -l <"$ACKED") acknowledged," \
  "$(wc -l <"$WORK/stored") stored, exactly once"

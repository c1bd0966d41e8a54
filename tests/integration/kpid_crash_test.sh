#!/bin/bash
# kpid crash safety: a loader posts numbered records while kpid is killed
# with SIGKILL several times and restarted; afterwards every acknowledged
# record is stored exactly once, and no record is stored twice.
source "$(dirname "$0")/kpid_lib.sh"

D=$WORK/data
OPTS=(--max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id crash)
ACKED=$WORK/acked
STOP=$WORK/stop
KILLS=4

start_kpid k0 "$D" "${OPTS[@]}"
PORT=$PORT_k0
PID=$KPID_PID_k0
python3 "$KPI_SOURCE_DIR/tests/integration/kpid_loader.py" "$PORT" "$ACKED" "$STOP" 4 &
LOADER=$!
STARTED_PIDS+=("$LOADER")

acked_count() { [ -f "$ACKED" ] && wc -l <"$ACKED" || echo 0; }

wait_for_progress() {  # until ACKED grows by $1 lines (bounded)
  local target=$(($(acked_count) + $1)) i
  for ((i = 0; i < 600; i++)); do
    [ "$(acked_count)" -ge "$target" ] && return 0
    kill -0 "$LOADER" 2>/dev/null || fail "loader stopped early"
    sleep 0.05
  done
  fail "no progress: $(acked_count) acknowledged, wanted $target"
}

for ((k = 1; k <= KILLS; k++)); do
  wait_for_progress 100
  kill -KILL "$PID"
  wait "$PID" 2>/dev/null
  # Restart on the same port so the loader's reconnects find it.
  KPID_LISTEN=127.0.0.1:$PORT start_kpid "k$k" "$D" "${OPTS[@]}"
  var="KPID_PID_k$k"
  PID=${!var}
  grep -q "listening on 127.0.0.1:$PORT " "$WORK/k$k.log" || fail "restart $k took another port"
done
wait_for_progress 100
touch "$STOP"
wait "$LOADER" || fail "loader failed"
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
check "kpid exits 0 on SIGTERM after the crashes (got $rc)" test "$rc" = 0

dump_store "$D" | grep -o '"number_emails":[0-9]*' | cut -d: -f2 | sort -n >"$WORK/stored"
sort -n "$ACKED" >"$WORK/acked.sorted"
dups=$(uniq -d "$WORK/stored" | head -n 5 | tr '\n' ' ')
check "no record is stored twice (duplicates: $dups)" test -z "$dups"
missing=$(comm -23 "$WORK/acked.sorted" "$WORK/stored" | head -n 5 | tr '\n' ' ')
check "every acknowledged record is stored (missing: $missing)" test -z "$missing"
echo "PASS: $(wc -l <"$WORK/acked.sorted") acknowledged, $(wc -l <"$WORK/stored") stored, $KILLS kills"

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
start_loader "$PORT_k0" 4

for ((k = 1; k <= KILLS; k++)); do
  wait_for_acks 100
  restart_kpid "k$((k - 1))" "k$k" "$D" "${OPTS[@]}"
done
wait_for_acks 100
touch "$STOP"
wait "$LOADER" || fail "loader failed: $(cat "$WORK/loader.log")"
stop_kpid "k$KILLS"
check "kpid exits 0 on SIGTERM after the crashes (got $STOP_RC)" test "$STOP_RC" = 0

dump_store "$D" | grep -o '"number_emails":[0-9]*' | cut -d: -f2 >"$WORK/stored"
check_exactly_once "$ACKED" "$WORK/stored" "the store"
echo "PASS: $(wc -l <"$ACKED") acknowledged, $(wc -l <"$WORK/stored") stored, $KILLS kills"

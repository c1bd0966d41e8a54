#!/bin/bash
# kpid against hostile clients (kpid_hostile.py does the talking): slow and
# stalled clients, more connections than worker threads, oversized and
# malformed HTTP, hostile JSON and forms, wrong bearer tokens on the read API.
# Then: kpid is still up, nothing hostile was stored, and no payload byte
# reached its log.
source "$(dirname "$0")/kpid_lib.sh"
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }

# Payloads carry MARKER; it must never show up in the log or the store.
MARKER=hostilemarker$RANDOM$RANDOM
THREADS=4
READ_TOKEN=read-secret-$RANDOM-0123456789abcdef0123456789
read_tokens "$WORK/read.token" hostile "$READ_TOKEN"
start_kpid h "$WORK/data" --max-age 0 --min-free-bytes 0 --writer-id ho --seal-grace 0s \
  --threads "$THREADS" --read-timeout 1s --write-timeout 2s --max-body 64K \
  --read-token-file "$WORK/read.token" --log-level debug
P=$PORT_h

timeout 300 python3 "$KPI_SOURCE_DIR/tests/integration/kpid_hostile.py" \
  "$P" "$MARKER" "$READ_TOKEN" "$THREADS" || fail "hostile clients (see above)"

kill -0 "$KPID_PID_h" 2>/dev/null || fail "kpid died"
stop_kpid h
check "kpid exits 0 after SIGTERM (got $STOP_RC)" test "$STOP_RC" -eq 0
if grep -a -q "$MARKER" "$WORK/h.log"; then
  grep -a -m3 "$MARKER" "$WORK/h.log" | cut -c1-200 >&2
  fail "payload data reached kpid's log"
fi
dump_store "$WORK/data" >"$WORK/stored"
check "the normal records were stored" grep -q '"language":"en-US"' "$WORK/stored"
if grep -a -q "$MARKER" "$WORK/stored"; then
  grep -a -m3 "$MARKER" "$WORK/stored" | cut -c1-200 >&2
  fail "a hostile blob was stored"
fi
echo "kpid_hostile: all checks passed"

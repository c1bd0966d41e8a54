#!/bin/bash
# man/kpid.8 against kpid itself (kpid_docs.py):
#  - every default the page gives equals the one kpid --help prints, and
#    every option --help shows a default for has one in the page;
#  - the /healthz (status, state) pairs the page documents are exactly those
#    kpid's handler answers; the reachable ones are provoked here: 200 "ok",
#    507 "disk_full" (--min-free-bytes above the free space). 503 "failing"
#    is ingest_service_test's (a failed write needs fault injection), and
#    503 "stopping" is only answered between SIGTERM and the listener
#    closing, too short to hit from outside.
source "$(dirname "$0")/kpid_lib.sh"
DOCS="python3 $KPI_SOURCE_DIR/tests/integration/kpid_docs.py"
MAN=$KPI_SOURCE_DIR/man/kpid.8

"$KPID" --help >"$WORK/kpid.help" 2>&1 || fail "kpid --help failed"
$DOCS defaults "$MAN" "$WORK/kpid.help" >"$WORK/defaults.out" ||
  fail "man/kpid.8 and kpid --help disagree: $(cat "$WORK/defaults.out")"
$DOCS healthz "$MAN" "$KPI_SOURCE_DIR/kpid/http_server.cc" >"$WORK/healthz.pairs" ||
  fail "man/kpid.8 and kpid disagree on /healthz: $(cat "$WORK/healthz.pairs")"

healthz() {  # healthz PORT: "<status> <state>"
  local status
  status=$(curl -sS -o "$WORK/healthz.json" -w '%{http_code}' "http://127.0.0.1:$1/healthz")
  echo "$status $(jq -r .status "$WORK/healthz.json")"
}
documented() { grep -qx "$1" "$WORK/healthz.pairs" || fail "man/kpid.8 does not document /healthz '$1'"; }

start_kpid ok "$WORK/ok" --min-free-bytes 0
check "/healthz on a healthy kpid: $(healthz "$PORT_ok")" test "$(healthz "$PORT_ok")" = "200 ok"
documented "200 ok"
stop_kpid ok
start_kpid full "$WORK/full" --min-free-bytes 1000T
check "/healthz under --min-free-bytes: $(healthz "$PORT_full")" \
  test "$(healthz "$PORT_full")" = "507 disk_full"
documented "507 disk_full"
stop_kpid full
echo "PASS: $(tail -n 1 "$WORK/defaults.out"); /healthz: $(tr '\n' ',' <"$WORK/healthz.pairs")"

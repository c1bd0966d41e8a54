# Shared helpers for the kpid integration tests (sourced, not run).
#
# start_kpid NAME DATA_DIR [kpid options...]
#   starts kpid on a free loopback port (--listen 127.0.0.1:0, or $KPID_LISTEN; the port is read
#   from its log) and sets KPID_PID_<NAME> and PORT_<NAME>; fails the test if it
#   does not listen within 20 s or exits.
# stop_kpid NAME    SIGTERM, waits, and sets STOP_RC to kpid's exit code
#                   (not in $(...): only this shell can wait for kpid).
# post PORT CONTENT_TYPE BODY_FILE [curl args...]
#   POSTs and prints "<status> <body>" (headers in $WORK/headers).
# dump_store DATA_DIR   every stored record, one line each (kpi_dump.py).
# A test may define extra_cleanup (e.g. to unmount) before the work dir goes.

set -u
: "${KPID:?KPID must name the kpid binary}"
KPI_SOURCE_DIR=${KPI_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FIXTURES=$KPI_SOURCE_DIR/tests/fixtures
INGEST=/wsapi/interaction_data
WORK=$(mktemp -d /tmp/kpid-test.XXXXXX)
STARTED_PIDS=()

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  if declare -F extra_cleanup >/dev/null; then extra_cleanup; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
  exit 1
}

check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  "$@" || fail "$what"
}

start_kpid() {
  local name=$1 data=$2
  shift 2
  local log=$WORK/$name.log
  : >"$log"
  "$KPID" --data-dir "$data" --listen "${KPID_LISTEN:-127.0.0.1:0}" "$@" >"$log" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid")
  local i port=""
  for ((i = 0; i < 400; i++)); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) for ingest.*/\1/p' "$log" | tail -n 1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || fail "kpid $name exited before listening"
    sleep 0.05
  done
  [ -n "$port" ] || fail "kpid $name did not listen within 20 s"
  printf -v "KPID_PID_$name" '%s' "$pid"
  printf -v "PORT_$name" '%s' "$port"
}

stop_kpid() {
  local name=$1
  local var="KPID_PID_$name"
  local pid=${!var}
  kill -TERM "$pid"
  STOP_RC=0
  wait "$pid" || STOP_RC=$?
}

post() {
  local port=$1 type=$2 file=$3
  shift 3
  curl -sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -H "Content-Type: $type" \
    --data-binary "@$file" "$@" "http://127.0.0.1:$port$INGEST"
  printf ' '
  cat "$WORK/body"
}

header() {  # header NAME: the value of NAME in the last response
  tr -d '\r' <"$WORK/headers" | sed -n "s/^$1: //Ip" | tail -n 1
}

dump_store() {
  python3 "$KPI_SOURCE_DIR/tests/integration/kpi_dump.py" "$1"
}

# Shared helpers for the kpid integration tests (sourced, not run).
#
# start_kpid NAME DATA_DIR [kpid options...]
#   starts kpid on a free loopback port (--listen 127.0.0.1:0, or $KPID_LISTEN; the port is read
#   from its log) and sets KPID_PID_<NAME> and PORT_<NAME>; fails the test if it
#   does not listen within 20 s or exits. The fixtures are dated 2013, older than kpid's
#   default --retention, which would delete them once sealed: kpid gets --retention 0
#   unless the options name --retention or KPID_DEFAULTS=1 asks for kpid's own defaults.
# stop_kpid NAME [SIGNAL]   SIGTERM (or SIGNAL, e.g. INT), waits, sets STOP_RC to
#                   kpid's exit code and fails the test unless it is 0 (not in
#                   $(...): only this shell can wait for kpid).
# kill_kpid NAME    SIGKILLs kpid and fails unless it died of that SIGKILL (a
#                   crash or an exit before the kill is not mistaken for it).
# expect_alive NAME fails if kpid NAME is no longer running.
# post PORT CONTENT_TYPE BODY_FILE [curl args...]
#   POSTs with a CSRF token kpid issued (csrf_token) as the dialog does: in
#   the cookie and in the body's csrf member or form field, which replaces
#   the fixture's (bare blobs have none: X-KPI-CSRF-Token carries it); prints
#   "<status> <body>" (headers in $WORK/headers). A -H 'Cookie: ...' argument
#   replaces the token's cookie.
# post_untokened PORT CONTENT_TYPE BODY_FILE [curl args...]   the same, no token
# csrf_token PORT   a fresh token from GET /wsapi/session_context
# dump_store DATA_DIR   every stored record, one line each (kpi_dump.py).
# restart_kpid OLD NEW DATA_DIR [kpid options...]
#   SIGKILLs kpid OLD and starts NEW on the same data dir and port.
# start_loader PORT [kpid_loader.py options...]
#   starts kpid_loader.py (LOADER: its pid); it logs to $ACKED, stops at $STOP.
# wait_for_acks N   until $ACKED grows by N lines (bounded; the loader must live).
# acked_snapshot DEST   the complete lines of $ACKED so far.
# check_exactly_once ACKED NUMBERS WHAT
#   fails unless every number of ACKED is in NUMBERS exactly once and no
#   number of NUMBERS is there twice (WHAT names NUMBERS in the message).
# segments_in DATA_DIR   how many segment files the store holds.
# wait_hours_left DATA_DIR N   bounded poll (30 s) until N segment files remain.
# wait_bounded PID SECONDS WHAT   waits for a child; fails if it runs on
#                   past SECONDS or exits non-zero.
# A test may define extra_cleanup (e.g. to unmount) before the work dir goes.
#
# Sanitizers (sanitizer_lib.sh): every process a test starts writes its
# reports to $WORK/sanitizer/report.<pid>; at exit any report fails the test,
# whatever the test's own checks said.

set -u
: "${KPID:?KPID must name the kpid binary}"
KPI_SOURCE_DIR=${KPI_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FIXTURES=$KPI_SOURCE_DIR/tests/fixtures
INGEST=/wsapi/interaction_data
WORK=$(mktemp -d /tmp/kpid-test.XXXXXX)
STARTED_PIDS=()
source "$(dirname "${BASH_SOURCE[0]}")/sanitizer_lib.sh"
sanitizer_reports_to "$WORK/sanitizer"

cleanup() {  # cleanup [EXIT-STATUS]: the test's status, from the EXIT trap
  local rc=${1:-$?} pid
  for pid in "${STARTED_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  if declare -F extra_cleanup >/dev/null; then extra_cleanup; fi
  check_sanitizer_reports || rc=1
  rm -rf "$WORK"
  exit $rc
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
  local keep=(--retention 0)
  [[ -n "${KPID_DEFAULTS:-}" || " $* " == *" --retention "* ]] && keep=()
  "$KPID" --data-dir "$data" --listen "${KPID_LISTEN:-127.0.0.1:0}" "${keep[@]}" "$@" >"$log" 2>&1 &
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
  local name=$1 signal=${2:-TERM}
  local var="KPID_PID_$name"
  local pid=${!var}
  kill -"$signal" "$pid"
  STOP_RC=0
  wait "$pid" || STOP_RC=$?
  [ "$STOP_RC" = 0 ] || fail "kpid $name exited $STOP_RC after SIG$signal, not 0" \
    "($(exit_status_text "$STOP_RC"))"
}

kill_kpid() {
  local name=$1
  local var="KPID_PID_$name"
  local pid=${!var} rc=0
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || rc=$?  # quiet: bash would report "Killed"
  # 137 = 128 + SIGKILL; anything else means kpid was gone before the kill.
  [ "$rc" = 137 ] || fail "kpid $name was not killed by our SIGKILL: it" \
    "$(exit_status_text "$rc") before it"
}

exit_status_text() {
  if [ "$1" -gt 128 ]; then echo "died of signal $(($1 - 128)) ($(kill -l $(($1 - 128))))"
  else echo "exited $1"; fi
}

expect_alive() {
  local var="KPID_PID_$1"
  kill -0 "${!var}" 2>/dev/null && return 0
  local rc=0
  wait "${!var}" || rc=$?
  fail "kpid $1 is gone: it $(exit_status_text "$rc")"
}

csrf_token() {
  curl -sS "http://127.0.0.1:$1/wsapi/session_context" |
    sed -n 's/^{"csrf_token":"\([0-9a-f.]*\)"}$/\1/p'
}

post() {
  local port=$1 type=$2 file=$3 token arg cookie=-b
  shift 3
  token=$(csrf_token "$port")
  with_token "$token" "$file" >"$WORK/tokened.body"
  local args=()
  for arg in "$@"; do  # curl sends no -b cookie beside a -H Cookie: join them
    case "$arg" in
      [Cc]ookie:*) args+=("$arg; kpi_csrf=$token"); cookie= ;;
      *) args+=("$arg") ;;
    esac
  done
  post_untokened "$port" "$type" "$WORK/tokened.body" ${cookie:+-b "kpi_csrf=$token"} \
    -H "X-KPI-CSRF-Token: $token" "${args[@]}"
}

with_token() {  # with_token TOKEN FILE: FILE with its csrf member or field set to TOKEN
  sed -e "s/\"csrf\": *\"[^\"]*\"/\"csrf\":\"$1\"/" -e "s/^csrf=[^&]*/csrf=$1/" \
    -e "s/&csrf=[^&]*/\&csrf=$1/" "$2"
}

post_untokened() {
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

restart_kpid() {
  local old=$1 new=$2 data=$3
  shift 3
  local port_var="PORT_$old"
  local port=${!port_var}
  kill_kpid "$old"
  # The same port, so a client's reconnects find the new kpid.
  KPID_LISTEN=127.0.0.1:$port start_kpid "$new" "$data" "$@"
  grep -q "listening on 127.0.0.1:$port " "$WORK/$new.log" || fail "kpid $new took another port"
}

start_loader() {
  local port=$1
  shift
  python3 "$KPI_SOURCE_DIR/tests/integration/kpid_loader.py" "$port" "$ACKED" "$STOP" "$@" \
    2>>"$WORK/loader.log" &
  LOADER=$!
  STARTED_PIDS+=("$LOADER")
}

acked_count() { [ -f "$ACKED" ] && wc -l <"$ACKED" || echo 0; }

wait_for_acks() {
  local target=$(($(acked_count) + $1)) i
  for ((i = 0; i < 600; i++)); do
    [ "$(acked_count)" -ge "$target" ] && return 0
    kill -0 "$LOADER" 2>/dev/null || fail "loader stopped early: $(cat "$WORK/loader.log")"
    sleep 0.05
  done
  fail "no progress: $(acked_count) acknowledged, wanted $target"
}

acked_snapshot() {
  cp "$ACKED" "$1"
  # The loader may be halfway through a line: "12" of "1234" is no ack.
  if [ -n "$(tail -c 1 "$1")" ]; then sed -i '$d' "$1"; fi
}

check_exactly_once() {
  local acked=$1 numbers=$2 what=$3 dups missing
  dups=$(sort "$numbers" | uniq -d)
  [ -z "$dups" ] || fail "$what holds $(echo "$dups" | wc -l) records twice: $(first_five "$dups")"
  missing=$(comm -23 <(sort -u "$acked") <(sort "$numbers"))
  [ -z "$missing" ] || fail "$what lacks $(echo "$missing" | wc -l) of $(wc -l <"$acked")" \
    "acknowledged records: $(first_five "$missing")"
}

first_five() { echo "$1" | head -n 5 | tr '\n' ' '; }

wait_bounded() {
  local pid=$1 seconds=$2 what=$3 i rc=0
  for ((i = 0; i < seconds * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$pid" 2>/dev/null && fail "$what still runs after $seconds s"
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || fail "$what exited $rc"
}

segments_in() { find "$1/segments" -name '*.kpi.zst' | wc -l; }

wait_hours_left() {
  local i
  for ((i = 0; i < 300; i++)); do
    [ "$(segments_in "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# read_tokens FILE NAME TOKEN [NAME TOKEN...]: a mode 0600 --read-token-file.
read_tokens() {
  local file=$1
  shift
  (umask 077 && : >"$file")
  while [ $# -ge 2 ]; do
    printf '%s %s\n' "$1" "$2" >>"$file"
    shift 2
  done
}

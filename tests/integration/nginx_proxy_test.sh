#!/bin/bash
# nginx in front of kpid with the packaged site (packaging/nginx/kpid.conf):
# only POST /wsapi/interaction_data gets through, with kpid's status codes
# unchanged and the opt-out headers forwarded; nginx itself answers 413, 405,
# 404 and 429. Then the cluster example (kpid-cluster.conf): a POST is passed
# to the next node only when the first could not be reached, never after a
# node may have stored it. Finally every acknowledged record is in the store.
source "$(dirname "$0")/kpid_lib.sh"
source "$(dirname "$0")/nginx_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"

STORED=0
# through PORT EXPECTED_STATUS CURL_ARGS...: one request through nginx; the
# records a 200 stored are added to STORED.
through() {
  local port=$1 want=$2
  shift 2
  local got
  got=$(curl -sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' "$@" \
    "http://127.0.0.1:$port$INGEST")
  [ "$got" = "$want" ] || fail "expected $want for $*, got $got: $(head -c 300 "$WORK/body")"
  if [ "$got" = 200 ]; then
    local n
    n=$(sed -n 's/^{"stored":\([0-9]*\),.*/\1/p' "$WORK/body")
    [ -n "$n" ] || fail "200 without a stored count: $(cat "$WORK/body")"
    STORED=$((STORED + n))
  fi
}

get() {  # get PORT PATH [curl args...]: prints the status
  local port=$1 path=$2
  shift 2
  curl -sS -o "$WORK/body" -w '%{http_code}' "$@" "http://127.0.0.1:$port$path"
}

# --- kpid with everything on one listener (reads and /metrics included) ----
read_tokens "$WORK/read.token" ops s3cret-read-token-0123456789abcdef0123
D=$WORK/store
start_kpid k "$D" --max-age 0 --min-free-bytes 0 --honor-dnt --writer-id ng \
  --read-token-file "$WORK/read.token"
KP=$PORT_k
check "kpid serves /metrics itself" test "$(get "$KP" /metrics)" = 200

NP=$(free_port)
site_for single "$NP" "127.0.0.1:$KP" >"$WORK/site.conf"
start_nginx single "$NP" "$WORK/site.conf"

# --- CSRF through nginx: the token from /wsapi/session_context, else 403 ---
curl -sS -c "$WORK/jar" -o "$WORK/session" "http://127.0.0.1:$NP/wsapi/session_context"
T=$(sed -n 's/^{"csrf_token":"\([0-9a-f.]*\)"}$/\1/p' "$WORK/session")
check "nginx serves /wsapi/session_context" test -n "$T"
grep -q "kpi_csrf.$T" "$WORK/jar" || fail "the CSRF cookie did not come through nginx"
check "session_context takes no POST" test "$(get "$NP" /wsapi/session_context -d x)" = 405
with_token "$T" "$FIXTURES/request-dialog.json" >"$WORK/dialog.json"
through "$NP" 403 -H "Content-Type: $JSON" --data-binary "@$FIXTURES/request-dialog.json"
through "$NP" 403 -H "Content-Type: $FORM" --data-binary "@$FIXTURES/request-forwarded.form" \
  -H 'Origin: https://evil.example' -H 'Sec-Fetch-Site: cross-site'
TOKEN=(-b "$WORK/jar" -H "X-KPI-CSRF-Token: $T")

# --- the fixtures in their content types -----------------------------------
through "$NP" 200 -H "Content-Type: $JSON" --data-binary "@$WORK/dialog.json" -b "$WORK/jar"
through "$NP" 200 -H "Content-Type: $FORM" --data-binary "@$FIXTURES/request-forwarded.form" \
  "${TOKEN[@]}"
through "$NP" 200 -H "Content-Type: $JSON" --data-binary "@$FIXTURES/dialog-blob.json" "${TOKEN[@]}"
through "$NP" 200 -H "Content-Type: $JSON" --data-binary "@$FIXTURES/seed-blob.json" "${TOKEN[@]}"
check "the fixtures stored records" test "$STORED" -ge 4

# --- the opt-out headers reach kpid ----------------------------------------
for h in 'Cookie: a=b; kpi_optout=1' 'Sec-GPC: 1' 'DNT: 1'; do
  through "$NP" 200 -H "Content-Type: $JSON" -H "$h" --data-binary "@$FIXTURES/seed-blob.json"
  grep -q '"opted_out":true' "$WORK/body" || fail "'$h' was not forwarded: $(cat "$WORK/body")"
done

# --- kpid's own errors pass through unchanged ------------------------------
echo '{"data":[' >"$WORK/bad.json"
through "$NP" 400 -H "Content-Type: $JSON" --data-binary "@$WORK/bad.json" "${TOKEN[@]}"
grep -q '"error"' "$WORK/body" || fail "400 is not kpid's JSON: $(cat "$WORK/body")"
through "$NP" 415 -H 'Content-Type: text/plain' --data-binary "@$FIXTURES/seed-blob.json" \
  "${TOKEN[@]}"
grep -q '"error"' "$WORK/body" || fail "415 is not kpid's JSON: $(cat "$WORK/body")"

# --- what nginx answers itself ---------------------------------------------
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
through "$NP" 413 -H "Content-Type: $JSON" --data-binary "@$WORK/big.json" -H "Referer: https://referer.example/page"
through "$NP" 405 -X GET
tr -d '\r' <"$WORK/headers" | grep -qi '^Allow: POST$' || fail "405 without Allow: POST"
through "$NP" 405 -X PUT -H "Content-Type: $JSON" --data-binary "@$FIXTURES/seed-blob.json"
for path in /metrics /wsapi/interaction_data/count / /wsapi/interaction_data/; do
  check "$path is 404 through nginx" test "$(get "$NP" "$path" \
    -H 'Authorization: Bearer s3cret-read-token-0123456789abcdef0123')" = 404
done
check "/healthz from the loopback" test "$(get "$NP" /healthz)" = 200

# --- the cluster example: retry only what was never sent -------------------
# Three nodes: nothing listening (connection refused: safe to retry), a node
# that reads each request and hangs up without answering (it may have stored
# it: must not be retried), and kpid.
DEAD=$(free_port)
HANGUP=$(free_port)
python3 - "$HANGUP" "$WORK/hangup.count" <<'PY' &
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(16)
while True:
    conn, _ = srv.accept()
    conn.settimeout(5)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    if data:
        with open(sys.argv[2], "a") as f:
            f.write("request\n")
    conn.close()
PY
STARTED_PIDS+=("$!")
for ((i = 0; i < 200; i++)); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $HANGUP), 1)" 2>/dev/null && break
  sleep 0.05
done
sed -e "s#192.0.2.11:8080#127.0.0.1:$DEAD#" -e "s#192.0.2.12:8080#127.0.0.1:$HANGUP#" \
  -e "s#192.0.2.13:8080#127.0.0.1:$KP#" "$CLUSTER" >"$WORK/cluster.conf"
grep -h "non_idempotent" "$SITE" "$CLUSTER" | grep -qv '^[[:space:]]*#' &&
  fail "non_idempotent must stay absent: it would resend POSTs a node may have stored"
CP=$(free_port)
site_for cluster "$CP" unused | sed -e '/^upstream kpid {/,/^}/d' >"$WORK/cluster-site.conf"
start_nginx cluster "$CP" "$WORK/cluster.conf" "$WORK/cluster-site.conf"

ok=0
gateway=0
for ((i = 0; i < 9; i++)); do
  status=$(curl -sS -o "$WORK/body" -w '%{http_code}' -H "Content-Type: $JSON" "${TOKEN[@]}" \
    --data-binary "@$FIXTURES/seed-blob.json" "http://127.0.0.1:$CP$INGEST")
  case "$status" in
    200) ok=$((ok + 1)); STORED=$((STORED + 1)) ;;
    502) gateway=$((gateway + 1)) ;;
    *) fail "cluster answered $status: $(cat "$WORK/body")" ;;
  esac
done
hung=$(wc -l <"$WORK/hangup.count" 2>/dev/null || echo 0)
check "every 502 is a request the hang-up node saw ($gateway vs $hung)" test "$gateway" -eq "$hung"
check "the hang-up node was reached" test "$hung" -ge 1
check "kpid answered the rest ($ok)" test "$ok" -ge 1
grep -q "upstream=127.0.0.1:$DEAD, " "$WORK/cluster-kpid.access.log" || fail "the dead node was never tried"

# --- rate limit: the burst of 20, then 429 ---------------------------------
limited=""
for ((i = 0; i < 40; i++)); do
  status=$(curl -sS -o "$WORK/body" -w '%{http_code}' -H "Content-Type: $JSON" "${TOKEN[@]}" \
    -H "Referer: https://referer.example/page" \
    --data-binary "@$FIXTURES/seed-blob.json" "http://127.0.0.1:$NP$INGEST")
  case "$status" in
    200) STORED=$((STORED + 1)) ;;
    429) limited=$i; break ;;
    *) fail "rate-limited loop got $status" ;;
  esac
done
[ -n "$limited" ] || fail "no 429 within 40 requests"

# --- the access log keeps no bodies, cookies or query strings --------------
curl -sS -o /dev/null -H 'Cookie: kpi_optout=1' -H "Content-Type: $JSON" \
  --data-binary '{"number_emails":31337}' "http://127.0.0.1:$NP$INGEST?who=someone"
for secret in 31337 kpi_optout who=someone s3cret; do
  grep -q "$secret" "$WORK/single-kpid.access.log" && fail "access log holds '$secret'"
done
grep -qv '^\[' "$WORK/single-kpid.access.log" && fail "access log lines start with a client address"
grep -q '"POST /wsapi/interaction_data HTTP/1.1" 200' "$WORK/single-kpid.access.log" ||
  fail "access log lacks the POSTs"

# --- no log of the site holds the sender: address or Referer --------------
# (the requests above include a 413, 429s and 405s, all with a Referer)
for log in "$WORK"/single-kpid.*.log "$WORK"/cluster-kpid.*.log; do
  for trace in 'client:' 'referer.example' 'referrer'; do
    grep -q "$trace" "$log" && fail "$(basename "$log") holds '$trace': $(grep -m1 "$trace" "$log")"
  done
done
grep -q '" 429 ' "$WORK/single-kpid.access.log" || fail "the access log lacks the 429s"

# --- every acknowledged record is stored (WALs are read too) ----------------
"$KPICTL" --data-dir "$D" export >"$WORK/export.jsonl" 2>"$WORK/export.err" ||
  fail "kpictl export failed: $(cat "$WORK/export.err")"
lines=$(wc -l <"$WORK/export.jsonl")
check "kpictl exports the $STORED acknowledged records (got $lines)" test "$lines" -eq "$STORED"
grep -q '"screen_size":{"width":640,"height":480}' "$WORK/export.jsonl" ||
  fail "the seed blob is not in the export"
grep -q '"ng-' "$WORK/export.jsonl" || fail "records lack the writer id"

stop_kpid k
check "kpid stopped cleanly" test "$STOP_RC" -eq 0
echo "nginx_proxy_test: ok ($STORED records through nginx)"

#!/bin/bash
# kpid ingest end to end: every fixture in its own content type, every
# status code, partial batches, opt-outs, CSRF and forwarder modes, sampling,
# /healthz and /metrics; then SIGTERM and check what is on disk.
source "$(dirname "$0")/kpid_lib.sh"

# Fixture timestamps are from 2013: no age limit, and seal their hours at once.
COMMON=(--max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id it)
JSON=application/json
FORM=application/x-www-form-urlencoded

expect() {  # expect "<status> <body-prefix>" ACTUAL
  case "$2" in
    "$1"*) ;;
    *) fail "expected '$1...', got '$2'" ;;
  esac
}

# --- the fixtures, unknown fields, timestamp flooring -----------------------
D=$WORK/main
start_kpid a "$D" "${COMMON[@]}"
P=$PORT_a
expect '200 {"stored":2,"rejected":[]}' "$(post "$P" $JSON "$FIXTURES/request-dialog.json")"
expect '200 {"stored":2,"rejected":[]}' "$(post "$P" $FORM "$FIXTURES/request-forwarded.form")"
expect '200 {"stored":1,"rejected":[]}' "$(post "$P" $JSON "$FIXTURES/dialog-blob.json")"
expect '200 {"stored":1,"rejected":[]}' "$(post "$P" $JSON "$FIXTURES/seed-blob.json")"
cat >"$WORK/extra.json" <<'JSON'
{"timestamp":1361407512345,"number_emails":42,"event_stream":[["picker",1]],"local_timestamp":"Thu Feb 21","ip":"192.0.2.7","ua":"Mozilla/5.0"}
JSON
expect '200 {"stored":1,"rejected":[]}' "$(post "$P" $JSON "$WORK/extra.json")"

# --- partial batches --------------------------------------------------------
E='"event_stream":[["picker",1]]'
echo "{\"data\":[{$E,\"number_emails\":7},{$E,\"number_emails\":-1},{$E,\"email_type\":\"x\"}]}" >"$WORK/partial.json"
expect '200 {"stored":1,"rejected":[{"index":1,"field":"number_emails"' \
  "$(post "$P" $JSON "$WORK/partial.json")"
grep -q '"index":2,"field":"email_type"' "$WORK/body" || fail "second rejection missing"

# --- client errors ----------------------------------------------------------
echo '{"data":[' >"$WORK/bad.json"
expect '400 {"error":"bad_request"' "$(post "$P" $JSON "$WORK/bad.json")"
expect '415 {"error":"unsupported_media_type"' "$(post "$P" text/plain "$FIXTURES/seed-blob.json")"
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
expect '413 {"error":"payload_too_large"' "$(post "$P" $JSON "$WORK/big.json")"
status=$(curl -sS -o "$WORK/body" -w '%{http_code}' -X POST "http://127.0.0.1:$P$INGEST")
expect '411 {"error":"length_required"' "$status $(cat "$WORK/body")"
status=$(curl -sS -o "$WORK/body" -w '%{http_code}' "http://127.0.0.1:$P/no/such/path")
expect '404 {"error":"not_found"' "$status $(cat "$WORK/body")"
# A chunked body is read with the same cap.
expect '200 {"stored":1' "$(post "$P" $JSON "$FIXTURES/seed-blob.json" -H 'Transfer-Encoding: chunked')"
expect '413 {"error"' "$(post "$P" $JSON "$WORK/big.json" -H 'Transfer-Encoding: chunked')"

# --- opt-outs ---------------------------------------------------------------
OPTED='200 {"stored":0,"rejected":[],"opted_out":true}'
expect "$OPTED" "$(post "$P" $JSON "$FIXTURES/seed-blob.json" -H 'Cookie: a=b; kpi_optout=1')"
expect "$OPTED" "$(post "$P" $JSON "$FIXTURES/seed-blob.json" -H 'Sec-GPC: 1')"
expect '200 {"stored":1' "$(post "$P" $JSON "$FIXTURES/seed-blob.json" -H 'DNT: 1')"

# --- health and metrics -----------------------------------------------------
check "/healthz is ok" test "$(curl -sS "http://127.0.0.1:$P/healthz")" = '{"status":"ok"}'
curl -sS "http://127.0.0.1:$P/metrics" >"$WORK/metrics"
STORED=10  # 2 + 2 + 1 + 1 + 1 + 1 (partial) + 1 (chunked) + 1 (DNT)
for line in "kpi_records_stored_total $STORED" 'kpi_opt_outs_total 2' \
  'kpi_http_responses_total{code="413"} 2' 'kpi_http_responses_total{code="411"} 1' \
  'kpi_records_rejected_total{field="number_emails"} 1' 'kpi_unknown_fields_dropped_total 3' \
  'kpi_wal_sync_seconds_count'; do
  grep -qF "$line" "$WORK/metrics" || fail "/metrics lacks '$line'"
done

# --- SIGTERM: exit 0, everything acknowledged on disk ------------------------
stop_kpid a
check "kpid exits 0 on SIGTERM (got $STOP_RC)" test "$STOP_RC" = 0
dump_store "$D" >"$WORK/stored"
check "$STORED records stored (got $(wc -l <"$WORK/stored"))" test "$(wc -l <"$WORK/stored")" = $STORED
check "ids are unique" test "$(grep -o '"_id":"[^"]*"' "$WORK/stored" | sort -u | wc -l)" = $STORED
check "aliases are stored under canonical names" \
  test "$(grep -c '"language":"en-US","number_sites_logged_in":1' "$WORK/stored")" = 3
check "no alias spelling is stored" bash -c "! grep -q '\"lang\"\|number_sites_signed_in' '$WORK/stored'"
check "dropped fields are absent" bash -c "! grep -q 'local_timestamp\|192.0.2.7\|Mozilla\|\"ip\"' '$WORK/stored'"
check "timestamps are floored to 10 minutes" \
  grep -q '"timestamp":1361407200000,"event_stream":\[\["picker",1\]\],"number_emails":42' "$WORK/stored"
check "every record is canonical" \
  bash -c "! grep -v '^{\"_id\":\"it-[0-9a-f]\{16\}\",\"timestamp\":[0-9]*[,}]' '$WORK/stored'"

# --- CSRF: required with no option; kpid issues the tokens ------------------
start_kpid csrf "$WORK/csrf" "${COMMON[@]}"
P=$PORT_csrf
SESSION=http://127.0.0.1:$P/wsapi/session_context
curl -sS -D "$WORK/headers" -o "$WORK/session" "$SESSION"
T=$(sed -n 's/^{"csrf_token":"\([0-9a-f.]*\)"}$/\1/p' "$WORK/session")
check "session_context answers a token" test -n "$T"
check "session_context sets the same token as the cookie" \
  grep -q "^Set-Cookie: kpi_csrf=$T; Path=/wsapi; .*HttpOnly; SameSite=Strict" "$WORK/headers"
check "session_context is not cached" grep -qi '^Cache-Control: no-store' "$WORK/headers"
check "the secret is created mode 0600" test "$(stat -c %a "$WORK/csrf/csrf.key")" = 600
forbidden() {  # forbidden REASON ANSWER
  expect '403 {"error":"forbidden"' "$2"
  grep -q "$1" "$WORK/body" || fail "403 without the reason '$1': $(cat "$WORK/body")"
}
# The envelope as the dialog sends it, with the token in the body.
with_token "$T" "$FIXTURES/request-dialog.json" >"$WORK/dialog.json"
grep -q "$T" "$WORK/dialog.json" || fail "request-dialog.json has no csrf member to replace"
forbidden "missing csrf cookie" "$(post_untokened "$P" $JSON "$WORK/dialog.json")"
forbidden "missing csrf cookie" "$(post_untokened "$P" $FORM "$FIXTURES/request-forwarded.form")"
forbidden "missing csrf token" "$(post_untokened "$P" $JSON "$FIXTURES/seed-blob.json" -b "kpi_csrf=$T")"
forbidden "does not match" "$(post_untokened "$P" $JSON "$WORK/dialog.json" -b "kpi_csrf=$(csrf_token "$P")")"
F=${T%?}0; [ "$F" = "$T" ] && F=${T%?}1
sed "s/$T/$F/" "$WORK/dialog.json" >"$WORK/forged.json"
forbidden "forged csrf token" "$(post_untokened "$P" $JSON "$WORK/forged.json" -b "kpi_csrf=$F")"
forbidden "tossed csrf cookie" "$(post_untokened "$P" $JSON "$WORK/dialog.json" \
  -H "Cookie: kpi_csrf=$T; kpi_csrf=$(csrf_token "$P")")"
forbidden "Origin 'https://evil.example' is neither" "$(post_untokened "$P" $JSON \
  "$WORK/dialog.json" -b "kpi_csrf=$T" -H 'Origin: https://evil.example')"
forbidden "Sec-Fetch-Site" "$(post_untokened "$P" $JSON "$WORK/dialog.json" -b "kpi_csrf=$T" \
  -H 'Sec-Fetch-Site: cross-site')"
expect '200 {"stored":2' "$(post_untokened "$P" $JSON "$WORK/dialog.json" -b "kpi_csrf=$T" \
  -H "Origin: http://127.0.0.1:$P" -H 'Sec-Fetch-Site: same-origin')"
# A form POST from another site, the attack of issue 13: refused.
expect '403 {"error":"forbidden"' "$(post_untokened "$P" $FORM "$FIXTURES/request-forwarded.form" \
  -H 'Origin: https://evil.example' -H 'Sec-Fetch-Site: cross-site')"
stop_kpid csrf
check "only the accepted POST was stored" test "$(dump_store "$WORK/csrf" | wc -l)" = 2
# Tokens survive a restart (the secret is kept); another kpid's tokens do not verify.
start_kpid csrf2 "$WORK/csrf" "${COMMON[@]}" --allowed-origin https://dialog.example --csrf-ttl 1h
expect '200 {"stored":2' "$(post_untokened "$PORT_csrf2" $JSON "$WORK/dialog.json" -b "kpi_csrf=$T" \
  -H 'Origin: https://dialog.example' -H 'Sec-Fetch-Site: cross-site')"
stop_kpid csrf2
start_kpid other "$WORK/other" "${COMMON[@]}" --csrf-cookie tok
forbidden "missing csrf cookie tok" "$(post_untokened "$PORT_other" $JSON "$WORK/dialog.json" -b "kpi_csrf=$T")"
forbidden "forged csrf token" "$(post_untokened "$PORT_other" $JSON "$WORK/dialog.json" -b "tok=$T")"
stop_kpid other
chmod 0644 "$WORK/csrf/csrf.key"
"$KPID" --data-dir "$WORK/csrf" --listen 127.0.0.1:0 >"$WORK/badkey.out" 2>&1 &&
  fail "kpid started with a group/other-readable CSRF secret"
grep -q "csrf.key has mode 0644" "$WORK/badkey.out" || fail "no reason for the refused secret"
# --csrf off is possible, and warned about.
start_kpid nocsrf "$WORK/nocsrf" "${COMMON[@]}" --csrf off
expect '200 {"stored":2' "$(post_untokened "$PORT_nocsrf" $JSON "$WORK/dialog.json")"
stop_kpid nocsrf
grep -q 'protection weakened: --csrf off' "$WORK/nocsrf.log" || fail "--csrf off without a warning"

# --- forwarder token --------------------------------------------------------
printf 'webhead-secret\n' >"$WORK/forwarder.token"
start_kpid fwd "$WORK/fwd" "${COMMON[@]}" --forwarder-token-file "$WORK/forwarder.token"
P=$PORT_fwd
expect '403 {"error":"forbidden"' "$(post "$P" $FORM "$FIXTURES/request-forwarded.form")"
expect '403 {"error":"forbidden"' "$(post "$P" $FORM "$FIXTURES/request-forwarded.form" \
  -H 'X-KPI-Forwarder-Token: webhead-secreT')"
# The webhead checked CSRF itself: no kpid token needed.
expect '200 {"stored":2' "$(post_untokened "$P" $FORM "$FIXTURES/request-forwarded.form" \
  -H 'X-KPI-Forwarder-Token: webhead-secret')"
stop_kpid fwd

# --- sampling ---------------------------------------------------------------
start_kpid s0 "$WORK/s0" "${COMMON[@]}" --sample-rate 0
expect '200 {"stored":0,"rejected":[],"sampled_out":2}' \
  "$(post "$PORT_s0" $JSON "$FIXTURES/request-dialog.json")"
stop_kpid s0
check "sample rate 0 stores nothing" test -z "$(dump_store "$WORK/s0")"
start_kpid s5 "$WORK/s5" "${COMMON[@]}" --sample-rate 0.5
for i in $(seq 1 10); do post "$PORT_s5" $JSON "$FIXTURES/request-dialog.json" >/dev/null; done
stop_kpid s5
dump_store "$WORK/s5" >"$WORK/s5.stored"
kept=$(wc -l <"$WORK/s5.stored")
check "sample rate 0.5 keeps some of 20 blobs (kept $kept)" test "$kept" -gt 0 -a "$kept" -lt 20
check "kept blobs carry sample_rate 0.5" \
  test "$(grep -c '"sample_rate":0.5,' "$WORK/s5.stored")" = "$kept"

# --- disk floor: 507 with Retry-After ---------------------------------------
start_kpid full "$WORK/full" --max-age 0 --min-free-bytes 1000T
P=$PORT_full
expect '507 {"error":"insufficient_storage"' "$(post "$P" $JSON "$FIXTURES/seed-blob.json")"
check "507 carries Retry-After" test -n "$(header Retry-After)"
check "/healthz reports the disk floor" \
  test "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/healthz")" = 507
stop_kpid full

# --- a full commit queue: 503 with Retry-After, nothing of it stored ---------
start_kpid busy "$WORK/busy" "${COMMON[@]}" --queue-max 1 --sync always --threads 32
busy_round() {
  local token
  token=$(csrf_token "$PORT_busy")
  with_token "$token" "$FIXTURES/request-dialog.json" >"$WORK/busy.json"
  seq 1 64 | xargs -P 32 -I{} curl -sS -o /dev/null -w '%{http_code} %header{retry-after}\n' \
    -H "Content-Type: $JSON" --data-binary "@$WORK/busy.json" -b "kpi_csrf=$token" \
    "http://127.0.0.1:$PORT_busy$INGEST" >>"$WORK/busy.codes"
}
for ((round = 0; round < 10; round++)); do
  busy_round
  grep -q '^503' "$WORK/busy.codes" && break
done
grep -q '^503 1$' "$WORK/busy.codes" || fail "no 503 with Retry-After: 1 under a full queue"
check "only 200 and 503 under load" bash -c "! grep -v '^200 \|^503 ' '$WORK/busy.codes'"
stop_kpid busy
acked=$(($(grep -c '^200' "$WORK/busy.codes") * 2))
check "every 200 of the busy run is stored ($acked)" test "$(dump_store "$WORK/busy" | wc -l)" = $acked

# --- exit codes -------------------------------------------------------------
rc=0; "$KPID" --data-dir "$WORK/x" --sync sometimes >"$WORK/usage.out" 2>&1 || rc=$?
check "bad option exits 1 (got $rc)" test "$rc" = 1
start_kpid lock "$WORK/lock" "${COMMON[@]}"
rc=0; timeout 20 "$KPID" --data-dir "$WORK/lock" --writer-id it --listen 127.0.0.1:0 >"$WORK/second.out" 2>&1 || rc=$?
check "a second kpid on a held store exits 2 (got $rc)" test "$rc" = 2
rc=0; timeout 20 "$KPID" --data-dir "$WORK/other" --listen "127.0.0.1:$PORT_lock" >"$WORK/port.out" 2>&1 || rc=$?
check "a taken port exits 3 (got $rc)" test "$rc" = 3
stop_kpid lock
echo PASS

#!/bin/bash
# Who may read, and what is kept of it (issue 13, point 6): kpid refuses to
# start on a read-token file that is not private, is a symbolic link, holds a
# short token or a name or token twice; each named token reads, and every
# read is logged with the token's name, the range and the record count but
# never the token; read answers and /metrics carry Cache-Control: no-store; /metrics
# labels rejections only with the schema's fields and "unknown", whatever keys
# clients send.
source "$(dirname "$0")/kpid_lib.sh"

ALICE=alice-0123456789abcdef0123456789abcdef
BOB=bob-fedcba9876543210fedcba9876543210
COMMON=(--max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id ac)

# --- token files kpid refuses ------------------------------------------------
refused() {  # refused WHAT EXPECTED-TEXT FILE: kpid must exit 1 naming FILE and EXPECTED-TEXT
  local what=$1 expected=$2 file=$3 rc=0
  timeout 20 "$KPID" --data-dir "$WORK/refused" --listen 127.0.0.1:0 --retention 0 \
    --read-token-file "$file" >"$WORK/refused.out" 2>&1 || rc=$?
  check "$what: kpid exits 1 (got $rc)" test "$rc" = 1
  grep -qF -- "$file" "$WORK/refused.out" || fail "$what: the error does not name $file"
  grep -qF -- "$expected" "$WORK/refused.out" ||
    fail "$what: no '$expected' in: $(cat "$WORK/refused.out")"
  if grep -qF -e "$ALICE" -e "$BOB" -e short-secret "$WORK/refused.out"; then
    fail "$what: the error shows a token"
  fi
}
read_tokens "$WORK/open.tokens" alice "$ALICE"
chmod 0644 "$WORK/open.tokens"
refused "world-readable" "has mode 0644" "$WORK/open.tokens"
chmod 0620 "$WORK/open.tokens"
refused "group-writable" "has mode 0620" "$WORK/open.tokens"
chmod 0606 "$WORK/open.tokens"
refused "world-writable" "chmod 600" "$WORK/open.tokens"
read_tokens "$WORK/real.tokens" alice "$ALICE"
ln -s "$WORK/real.tokens" "$WORK/link.tokens"
refused "a symbolic link" "symbolic link" "$WORK/link.tokens"
read_tokens "$WORK/short.tokens" alice short-secret
refused "a short token" "the token of 'alice' is 12 characters; a read token needs 32" \
  "$WORK/short.tokens"
read_tokens "$WORK/dupname.tokens" alice "$ALICE" alice "$BOB"
refused "a name twice" "line 2: the name 'alice'" "$WORK/dupname.tokens"
read_tokens "$WORK/duptoken.tokens" alice "$ALICE" bob "$ALICE"
refused "a token twice" "the same token as line 1" "$WORK/duptoken.tokens"
printf 'alice\n' >"$WORK/oneword.tokens" && chmod 600 "$WORK/oneword.tokens"
refused "the old one-token format" "expected \`NAME TOKEN\`" "$WORK/oneword.tokens"

# --- named tokens, read logging, no-store ------------------------------------
{
  echo "# readers of the kpi store"
  echo
} >"$WORK/read.tokens"
chmod 600 "$WORK/read.tokens"
printf 'alice %s\nbob\t%s\n' "$ALICE" "$BOB" >>"$WORK/read.tokens"
start_kpid a "$WORK/data" "${COMMON[@]}" --read-token-file "$WORK/read.tokens"
P=$PORT_a
for i in 1 2 3; do
  post "$P" application/json "$FIXTURES/request-dialog.json" | grep -q '^200' || fail "post $i"
done  # 3 x (one 2013 record + one 2012 record)

get() {  # get PATH [curl args]: prints the status; headers in $WORK/h, body in $WORK/b
  local path=$1
  shift
  curl -sS -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' "$@" "http://127.0.0.1:$P$path"
}
no_store() {  # no_store WHAT: the last answer must carry Cache-Control: no-store
  tr -d '\r' <"$WORK/h" | grep -qix 'cache-control: no-store' ||
    fail "$1: no Cache-Control: no-store in: $(cat "$WORK/h")"
}
check "alice counts" test "$(get "$INGEST/count?start=2013-01-01" -H "Authorization: Bearer $ALICE")" = 200
check "alice's count is 3" test "$(cat "$WORK/b")" = '{"count":3}'
no_store "count"
check "bob exports" test "$(get "$INGEST?start=2012-01-01&end=2013-01-01" -H "Authorization: Bearer $BOB")" = 200
check "bob's export holds 3 records" test "$(grep -c '"_id"' "$WORK/b")" = 3
no_store "export"
check "alice reports" test "$(get "/wsapi/report?format=json" -H "Authorization: Bearer $ALICE")" = 200
no_store "report"
check "an unknown token gets 401" test "$(get "$INGEST/count" -H "Authorization: Bearer ${ALICE}x")" = 401
no_store "401"
check "a bad range gets 400" test "$(get "$INGEST?start=someday" -H "Authorization: Bearer $BOB")" = 400
no_store "400"

LOG=$WORK/a.log
grep -q "read: reader alice, count \[2013-01-01T00:00:00Z, \*), 3 records" "$LOG" ||
  fail "alice's count is not logged with its range and count"
grep -q "read: reader bob, export \[2012-01-01T00:00:00Z, 2013-01-01T00:00:00Z), 3 records" "$LOG" ||
  fail "bob's export is not logged with its range and count"
grep -q "read: reader alice, report \[\*, \*), 6 records" "$LOG" ||
  fail "alice's report is not logged with its range and count"
grep -q "read refused: not a read token on count" "$LOG" || fail "the refused token is not logged"
grep -q "read API: 2 named read tokens from $WORK/read.tokens" "$LOG" || fail "no start line"
if grep -qF -e "$ALICE" -e "$BOB" -e "${ALICE}x" "$LOG"; then fail "a token reached the log"; fi

# --- /metrics: rejection labels come from the schema, never from clients ----
python3 - "$WORK/junk.json" <<'PY'
import json, sys
blobs = ['{"event_stream":[["screen.rp_info",1]],"junk%d":1,"junk%d":2}' % (i, i) for i in range(70)]
blobs.append('{"event_stream":[["screen.rp_info",1]],"number_emails":"two"}')
blobs.append('{"event_stream":[["screen.rp_info",1]],"lang":"en-US","lang":"de"}')
open(sys.argv[1], "w").write('{"csrf":"x","data":[' + ",".join(blobs) + "]}")
PY
out=$(post "$P" application/json "$WORK/junk.json")
case "$out" in '200 {"stored":0,'*) ;; *) fail "the junk batch: $out" ;; esac
curl -sS -D "$WORK/h" "http://127.0.0.1:$P/metrics" >"$WORK/metrics"
no_store "/metrics"
grep -qx 'kpi_records_rejected_total{field="unknown"} 70' "$WORK/metrics" ||
  fail "70 junk keys must count as unknown: $(grep rejected "$WORK/metrics")"
grep -qx 'kpi_records_rejected_total{field="number_emails"} 1' "$WORK/metrics" ||
  fail "number_emails lost its label: $(grep rejected "$WORK/metrics")"
grep -qx 'kpi_records_rejected_total{field="language"} 1' "$WORK/metrics" ||
  fail "an alias (lang) must count under its field: $(grep rejected "$WORK/metrics")"
if grep -q 'junk\|field="other"\|field="lang"' "$WORK/metrics"; then
  fail "a client's key became a label: $(grep rejected "$WORK/metrics")"
fi
stop_kpid a
echo PASS

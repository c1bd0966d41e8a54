#!/bin/bash
# kpid's read API: bearer token, paging with an opaque cursor that resumes
# exactly after the last record, counts, time ranges, bad parameters, and the
# split between --listen and --read-listen.
source "$(dirname "$0")/kpid_lib.sh"

TOKEN=read-secret-0123456789abcdef0123456789
read_tokens "$WORK/read.token" dashboard "$TOKEN"
COMMON=(--max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id rd)
start_kpid r "$WORK/data" "${COMMON[@]}" --read-token-file "$WORK/read.token" \
  --read-listen 127.0.0.1:0
P=$PORT_r
R=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) for reads.*/\1/p' "$WORK/r.log")
[ -n "$R" ] || fail "no read listener port in the log"

for i in $(seq 1 6); do
  post "$P" application/json "$FIXTURES/request-dialog.json" | grep -q '^200' || fail "post $i"
done
TOTAL=12  # 6 x (one 2013 record + one 2012 record)

get() {  # get PORT PATH [curl args]: prints "<status> <body>"
  local port=$1 path=$2
  shift 2
  curl -sS -o "$WORK/body" -w '%{http_code}' "$@" "http://127.0.0.1:$port$path"
  printf ' '
  cat "$WORK/body"
}
AUTH=(-H "Authorization: Bearer $TOKEN")

# --- authentication and listeners --------------------------------------------
case "$(get "$R" "$INGEST")" in 401*) ;; *) fail "no token must get 401" ;; esac
case "$(get "$R" "$INGEST" -H "Authorization: Bearer ${TOKEN%?}T")" in
  401*) ;; *) fail "a wrong token must get 401" ;; esac
case "$(get "$P" "$INGEST/count" "${AUTH[@]}")" in
  404*) ;; *) fail "the public listener must not serve reads with --read-listen" ;; esac
case "$(get "$P" /metrics)" in 404*) ;; *) fail "/metrics must be on the read listener" ;; esac
get "$R" /metrics | grep -q 'kpi_records_stored_total 12' || fail "/metrics on the read listener"

# --- counts and ranges --------------------------------------------------------
check "count of everything" test "$(get "$R" "$INGEST/count" "${AUTH[@]}")" = "200 {\"count\":$TOTAL}"
check "count from 2013" \
  test "$(get "$R" "$INGEST/count?start=2013-01-01" "${AUTH[@]}")" = '200 {"count":6}'
check "count before 2013 (end is exclusive)" \
  test "$(get "$R" "$INGEST/count?end=2013-02-21T00:00:00Z" "${AUTH[@]}")" = '200 {"count":6}'
for bad in 'limit=0' 'limit=x' 'cursor=!!' 'start=2014-01-01&end=2013-01-01' 'start=someday'; do
  case "$(get "$R" "$INGEST?$bad" "${AUTH[@]}")" in
    '400 {"error":"bad_request"'*) ;; *) fail "'$bad' must get 400" ;; esac
done

# --- paging: every record exactly once, in order-key order --------------------
cursor=""
: >"$WORK/paged"
for ((page = 0; page < 20; page++)); do
  curl -sS "${AUTH[@]}" "http://127.0.0.1:$R$INGEST?limit=5${cursor:+&cursor=$cursor}" \
    >"$WORK/page"
  grep '"_id"' "$WORK/page" >>"$WORK/paged"
  cursor=$(sed -n 's/^{"next_cursor":"\([^"]*\)"}$/\1/p' "$WORK/page")
  [ -z "$cursor" ] && break
  check "a cut page holds the limit" test "$(grep -c '"_id"' "$WORK/page")" = 5
done
check "paging returned all $TOTAL records" test "$(wc -l <"$WORK/paged")" = $TOTAL
sed 's/^{"_id":"\([^"]*\)","timestamp":\([0-9]*\).*/\2 \1/' "$WORK/paged" >"$WORK/keys"
check "pages are in (timestamp, _id) order without repeats" \
  bash -c "sort -u -k1,1n -k2,2 '$WORK/keys' | cmp -s - '$WORK/keys'"
dump_store "$WORK/data" | sort >"$WORK/stored"
check "paged records equal the stored ones" bash -c "sort '$WORK/paged' | cmp -s - '$WORK/stored'"
stop_kpid r
check "kpid exits 0 (got $STOP_RC)" test "$STOP_RC" = 0

# --- no token file: the read API does not exist --------------------------------
start_kpid n "$WORK/none" "${COMMON[@]}"
case "$(get "$PORT_n" "$INGEST?limit=1" "${AUTH[@]}")" in
  404*) ;; *) fail "without --read-token-file reads must get 404" ;; esac
stop_kpid n
echo PASS

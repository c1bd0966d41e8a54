#!/bin/bash
# kpid's options that change what it stores or answers, each against a real
# kpid, each checked by its effect (option_coverage_test.sh lists them):
#   --sync none, --wal-max-bytes, --zstd-level, --block-size (what is on
#   disk), --keep-alive-max (connections), --max-batch, --max-future,
#   --opt-out-cookie (custom and empty), --honor-gpc/--no-honor-gpc,
#   --honor-dnt/--no-honor-dnt, --commit-window, --forwarder-header,
#   SIGINT (exit 0), /metrics counters, /healthz while stopping.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}"
COMMON=(--max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id opt)
JSON=application/json
BLOCKS="python3 $KPI_SOURCE_DIR/tests/integration/kpi_damage.py blocks"
NOW_HOUR=$(($(date +%s) / 3600 * 3600000))

expect() {  # expect "<status> <body-prefix>" ACTUAL
  case "$2" in
    "$1"*) ;;
    *) fail "expected '$1...', got '$2'" ;;
  esac
}
stored() { "$KPICTL" --data-dir "$1" export | wc -l; }
# numbered_batch FIRST COUNT TIMESTAMP: a JSON body of COUNT blobs.
numbered_batch() {
  python3 -c 'import json, random, sys
first, count, ts = map(int, sys.argv[1:4])
r = random.Random(first)  # varied, so that zstd levels differ
events = ["screen.rp_info", "picker", "picker::signin", "authenticate", "complete"]
blobs = [{"timestamp": ts, "number_emails": first + i, "lang": r.choice(["en-US", "de", "fr"]),
          "event_stream": [[r.choice(events), r.randrange(600000)] for _ in range(r.randrange(1, 8))]}
         for i in range(count)]
print(json.dumps({"data": blobs}))' "$@"
}

# segments_at_least N DATA_DIR: waits (bounded) until kpid sealed N segments.
segments_at_least() {
  local i n=0
  for ((i = 0; i < 100; i++)); do  # the seal thread wakes every 2 s
    n=$(find "$2/segments" -name 'opt-*.kpi.zst' 2>/dev/null | wc -l)
    [ "$n" -ge "$1" ] && return 0
    sleep 0.1
  done
  fail "$2: $n segments sealed after 10 s, expected $1"
}

# --- --sync none, and SIGINT -----------------------------------------------------
start_kpid none "$WORK/none" "${COMMON[@]}" --sync none
numbered_batch 0 20 1361404800000 >"$WORK/b20.json"
expect '200 {"stored":20' "$(post "$PORT_none" $JSON "$WORK/b20.json")"
stop_kpid none INT  # exit 0 after SIGINT, checked by stop_kpid
check "--sync none: what was acknowledged is there after a clean stop" \
  test "$(stored "$WORK/none")" = 20

# --- --wal-max-bytes: the current hour's WAL is sealed early past the size ----------
# (several segments of an hour that is not finished)
start_kpid rot "$WORK/rot" "${COMMON[@]}" --wal-max-bytes 4K
for ((i = 0; i < 10; i++)); do
  numbered_batch $((i * 20)) 20 $((NOW_HOUR + 1000)) >"$WORK/b.json"
  expect '200 {"stored":20' "$(post "$PORT_rot" $JSON "$WORK/b.json")"
done
segments_at_least 2 "$WORK/rot"
stop_kpid rot
check "--wal-max-bytes: every record once" test "$(stored "$WORK/rot")" = 200

# --- --zstd-level, --block-size: the sealed segment -------------------------------
numbered_batch 0 100 1361404800000 >"$WORK/b100.json"
# sealed_by_kpid NAME OPTIONS...: the 100 blobs sealed by a kpid with OPTIONS; prints the segment.
sealed_by_kpid() {
  local name=$1 port_var=PORT_$1
  shift
  start_kpid "$name" "$WORK/$name" "${COMMON[@]}" "$@"
  expect '200 {"stored":100' "$(post "${!port_var}" $JSON "$WORK/b100.json")"
  segments_at_least 1 "$WORK/$name"
  stop_kpid "$name"
}
sealed_by_kpid z1 --zstd-level 1
sealed_by_kpid z19 --zstd-level 19
sealed_by_kpid b4k --block-size 4K
seg1=$(find "$WORK/z1/segments" -name '*.kpi.zst')
seg19=$(find "$WORK/z19/segments" -name '*.kpi.zst')
check "--zstd-level 19 compresses smaller than 1 ($(stat -c %s "$seg19") vs $(stat -c %s "$seg1"))" \
  test "$(stat -c %s "$seg19")" -lt "$(stat -c %s "$seg1")"
check "--block-size 4K: 15 KB of records make several blocks" \
  test "$($BLOCKS "$(find "$WORK/b4k/segments" -name '*.kpi.zst')")" -ge 3
check "a 1M block holds them all" test "$($BLOCKS "$seg1")" = 1
# Ids differ between stores (each WAL draws its own record order, wal.md §3.1):
# the records' contents must not.
contents() { "$KPICTL" --data-dir "$1" export | jq -c 'del(._id)' | sort; }
check "the three store the same records" cmp -s <(contents "$WORK/z1") <(contents "$WORK/b4k")

# --- --keep-alive-max: a connection serves that many requests ---------------------
start_kpid ka "$WORK/ka" "${COMMON[@]}" --keep-alive-max 2
url=http://127.0.0.1:$PORT_ka/healthz
connects=$(curl -sS -o /dev/null -w '%{num_connects} ' "$url" "$url" "$url" "$url")
check "--keep-alive-max 2: 4 requests take 2 connections (new connects: $connects)" \
  test "$(echo "$connects" | tr ' ' '\n' | grep -c 1)" = 2
stop_kpid ka

# --- --max-batch, --max-future -----------------------------------------------------
start_kpid lim "$WORK/lim" "${COMMON[@]}" --max-batch 3 --max-future 1h
numbered_batch 0 4 1361404800000 >"$WORK/b4.json"
numbered_batch 0 3 1361404800000 >"$WORK/b3.json"
expect '400 {"error":"bad_request"' "$(post "$PORT_lim" $JSON "$WORK/b4.json")"
expect '200 {"stored":3' "$(post "$PORT_lim" $JSON "$WORK/b3.json")"
now_ms=$(($(date +%s) * 1000))
numbered_batch 10 1 $((now_ms + 2 * 3600000)) >"$WORK/future.json"
expect '200 {"stored":0,"rejected":[{"index":0,"field":"timestamp"' \
  "$(post "$PORT_lim" $JSON "$WORK/future.json")"
numbered_batch 11 1 $((now_ms + 1800000)) >"$WORK/soon.json"
expect '200 {"stored":1' "$(post "$PORT_lim" $JSON "$WORK/soon.json")"

# --- /metrics counts what happened -------------------------------------------------
# 200s: three POSTs and the four GET /wsapi/session_context of post's CSRF tokens.
curl -sS "http://127.0.0.1:$PORT_lim/metrics" >"$WORK/metrics"
for line in 'kpi_records_stored_total 4' 'kpi_http_responses_total{code="400"} 1' \
  'kpi_http_responses_total{code="200"} 7' 'kpi_records_rejected_total{field="timestamp"} 1' \
  'kpi_opt_outs_total 0' 'kpi_records_sampled_out_total 0' 'kpi_open_wals ' \
  'kpi_commit_queue_records 0' 'kpi_free_disk_bytes ' 'kpi_wal_bytes_written_total ' \
  'kpi_wal_syncs_total ' 'kpi_segments_sealed_total ' 'kpi_recovered_torn_bytes_total 0'; do
  grep -qF "$line" "$WORK/metrics" || fail "/metrics lacks '$line': $(cat "$WORK/metrics")"
done
stop_kpid lim

# --- --opt-out-cookie, custom and empty; --no-honor-gpc -----------------------------
OPTED='200 {"stored":0,"rejected":[],"opted_out":true}'
start_kpid oc "$WORK/oc" "${COMMON[@]}" --opt-out-cookie no_thanks --no-honor-gpc --no-honor-dnt
P=$PORT_oc
expect "$OPTED" "$(post "$P" $JSON "$FIXTURES/seed-blob.json" -H 'Cookie: a=b; no_thanks=1')"
expect '200 {"stored":1' "$(post "$P" $JSON "$FIXTURES/seed-blob.json" -H 'Cookie: kpi_optout=1')"
expect '200 {"stored":1' "$(post "$P" $JSON "$FIXTURES/seed-blob.json" -H 'Sec-GPC: 1')"
expect '200 {"stored":1' "$(post "$P" $JSON "$FIXTURES/seed-blob.json" -H 'DNT: 1')"
stop_kpid oc
# Both signals honoured when asked; --commit-window only delays the batch sync.
start_kpid both "$WORK/both" "${COMMON[@]}" --honor-gpc --honor-dnt --sync batch --commit-window 20ms
expect "$OPTED" "$(post "$PORT_both" $JSON "$FIXTURES/seed-blob.json" -H 'Sec-GPC: 1')"
expect "$OPTED" "$(post "$PORT_both" $JSON "$FIXTURES/seed-blob.json" -H 'DNT: 1')"
expect '200 {"stored":1' "$(post "$PORT_both" $JSON "$FIXTURES/seed-blob.json")"
stop_kpid both
check "--commit-window 20ms: the acknowledged record is stored" test "$(stored "$WORK/both")" = 1
start_kpid noc "$WORK/noc" "${COMMON[@]}" --opt-out-cookie ''
expect '200 {"stored":1' "$(post "$PORT_noc" $JSON "$FIXTURES/seed-blob.json" -H 'Cookie: kpi_optout=1')"
expect "$OPTED" "$(post "$PORT_noc" $JSON "$FIXTURES/seed-blob.json" -H 'Sec-GPC: 1')"
stop_kpid noc

# --- --forwarder-header --------------------------------------------------------------
printf 'webhead-secret\n' >"$WORK/forwarder.token"
start_kpid fh "$WORK/fh" "${COMMON[@]}" --forwarder-token-file "$WORK/forwarder.token" \
  --forwarder-header X-Webhead
P=$PORT_fh
expect '403 {"error":"forbidden"' "$(post "$P" $JSON "$FIXTURES/seed-blob.json" \
  -H 'X-KPI-Forwarder-Token: webhead-secret')"
expect '200 {"stored":1' "$(post "$P" $JSON "$FIXTURES/seed-blob.json" -H 'X-Webhead: webhead-secret')"
stop_kpid fh
echo PASS

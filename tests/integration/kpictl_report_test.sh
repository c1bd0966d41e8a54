#!/bin/bash
# kpictl report and kpid's /wsapi/report on a store of generated data (three
# days, segments and WALs, weighted records) plus uses posted through kpid: 9
# in Esperanto (one cell under K = 10) and 10 in Latin. Every figure of the
# JSON report is recomputed from `kpictl export` by kpi_report_check.py,
# weighting and suppression included, for several option sets (each report
# option is used here); the 9 uses never show a figure, in JSON, text, HTML
# or the read API. Also --where event_stream=NAME in export, scan, sample and
# report, /count from the indexes, and the options' errors.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}" "${KPI_BINARY_DIR:?}"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
[ -x "$MKSTORE" ] || fail "$MKSTORE is not built (cmake --build build --target kpi-mkstore)"
CHECK=(python3 "$KPI_SOURCE_DIR/tests/integration/kpi_report_check.py")
DATA=$WORK/data
"$MKSTORE" --data-dir "$DATA" --records 2400 --hours 72 --from 2026-11-26 --wal-hours 3 \
  >/dev/null || fail "kpi-mkstore"

# --- 9 + 10 uses posted through kpid (another writer on the same store) ------
read_tokens "$WORK/read.token" dashboard report-token-0123456789abcdef0123456789
start_kpid r "$DATA" --max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id rp \
  --read-token-file "$WORK/read.token" --read-listen 127.0.0.1:0
R=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) for reads.*/\1/p' "$WORK/r.log")
[ -n "$R" ] || fail "no read listener port in the log"
python3 - "$FIXTURES/dialog-blob.json" "$WORK" <<'PY'
import copy, datetime, json, sys
blob = json.load(open(sys.argv[1]))
def ms(hour):
    when = datetime.datetime(2026, 11, 27, hour, tzinfo=datetime.timezone.utc)
    return int(when.timestamp()) * 1000
for lang, n, ts, rate in (("eo", 9, ms(10), 0.5), ("la", 10, ms(11), 1)):
    batch = []
    for i in range(n):
        b = copy.deepcopy(blob)
        b.update(lang=lang, timestamp=ts, sample_rate=rate)
        b["event_stream"][-1][1] = 77000 + 1000 * i  # assertion_generated
        batch.append(b)
    json.dump({"data": batch}, open(f"{sys.argv[2]}/{lang}.json", "w"))
PY
for lang in eo la; do
  post "$PORT_r" application/json "$WORK/$lang.json" | grep -q '^200 {"stored":' ||
    fail "posting the $lang uses: $(cat "$WORK/body")"
done

# --- every figure against export, for several option sets --------------------
RANGE=(2026-11-26 2026-11-30)
"$KPICTL" --data-dir "$DATA" export "${RANGE[@]}" >"$WORK/all.jsonl" || fail "export"
[ "$(wc -l <"$WORK/all.jsonl")" = 2419 ] || fail "export holds $(wc -l <"$WORK/all.jsonl") records"
# kpictl-vs-export NAME EXPORT_ARGS -- report REPORT_ARGS -- CHECK_ARGS
kpictl-vs-export() {
  local name=$1 export_args=() report_args=() check_args=()
  shift
  while [ "$1" != -- ]; do export_args+=("$1"); shift; done
  shift 2  # -- report
  while [ "$1" != -- ]; do report_args+=("$1"); shift; done
  shift
  check_args=("$@")
  "$KPICTL" --data-dir "$DATA" export "${RANGE[@]}" "${export_args[@]}" >"$WORK/$name.jsonl" ||
    fail "$name: export"
  "$KPICTL" --data-dir "$DATA" report "${RANGE[@]}" --format json "${report_args[@]}" \
    >"$WORK/$name.json" || fail "$name: report"
  "${CHECK[@]}" --export "$WORK/$name.jsonl" --report "$WORK/$name.json" "${check_args[@]}" ||
    fail "$name: the report differs from the export"
}
ALIAS='user_agent.os:Windows NT 6.1=Windows 7'
kpictl-vs-export daily -- report --by day --group language --group user_agent.os --group screen_class \
  --alias "$ALIAS" --group rp_api --values rp_api=get,stateless --min-count 10 \
  -- --alias "$ALIAS" --values rp_api=get,stateless --withheld language=eo
grep -q '"value":"Windows 7"' "$WORK/daily.json" || fail "the alias was not applied"
grep -q '"value":"Other"' "$WORK/daily.json" || fail "--values made no Other"
# Secondary suppression: Latin (10) is the smallest language shown beside
# the 9 withheld, so it is withheld too (else total - the rest = eo). Alone,
# its 10 records (= K) show.
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]));
la=[c for c in r["total"]["groups"]["language"] if c["value"]=="la"][0]
assert la=={"value":"la","suppressed":True}, la' "$WORK/daily.json" ||
  fail "Latin must be withheld beside Esperanto"
kpictl-vs-export latin --where language=la -- report --where language=la --group language --
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]));
la=r["total"]["groups"]["language"][0]
assert not la["suppressed"] and la["records"]==10 and la["uses"]==10, la' "$WORK/latin.json" ||
  fail "the 10 Latin uses (K = 10) must show"
kpictl-vs-export hourly -- report --by hour --group language --min-count 5 \
  --success-event screen.rp_info --funnel screen.authenticate,picker,screen.set_password --
kpictl-vs-export weekly -- report --by week --group new_account --group user_agent.browser -- 
kpictl-vs-export succeeded --where event_stream=assertion_generated -- report \
  --where event_stream=assertion_generated --group email_type -- 
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["total"]["all"];
assert a["success_rate"]==1, a' "$WORK/succeeded.json" || fail "--where event_stream= in report"
kpictl-vs-export abandoned --where event_stream!=assertion_generated -- report \
  --where event_stream!=assertion_generated -- 

# Read on 1 and on 3 threads (workers over the hours, one aggregating in
# the stream's order), the report is the same bytes as the default's.
for threads in 1 3; do
  "$KPICTL" --data-dir "$DATA" report "${RANGE[@]}" --format json --by day --group language \
    --group user_agent.os --group screen_class --alias "$ALIAS" --group rp_api \
    --values rp_api=get,stateless --min-count 10 --threads $threads >"$WORK/threads.json" ||
    fail "report --threads $threads"
  cmp -s "$WORK/daily.json" "$WORK/threads.json" || fail "--threads $threads changed the report"
done

# Config keys: kpictl --config FILE with a [report] section.
cat >"$WORK/kpi.conf" <<CONF
data-dir = "$DATA"
[report]
by = "day"
group = ["language", "screen_class"]
min-count = 12
funnel = "screen.rp_info,assertion_generated"
CONF
"$KPICTL" --config "$WORK/kpi.conf" report "${RANGE[@]}" --format json >"$WORK/conf.json" ||
  fail "report with --config"
"${CHECK[@]}" --export "$WORK/all.jsonl" --report "$WORK/conf.json" --withheld language=eo ||
  fail "config: the report differs from the export"
grep -q '"min_count":12,' "$WORK/conf.json" || fail "min-count from the config file"
grep -q '"funnel_events":\["screen.rp_info","assertion_generated"\]' "$WORK/conf.json" ||
  fail "funnel from the config file"

# --- text and HTML: the 9 uses show no figure ---------------------------------
"$KPICTL" --data-dir "$DATA" report "${RANGE[@]}" --group language >"$WORK/report.txt" ||
  fail "text report"
grep -Eq '^eo +withheld *$' "$WORK/report.txt" || fail "text: eo must read withheld"
grep -q 'withheld (' "$WORK/report.txt" || fail "text: the heading must say what is withheld"
"$KPICTL" --data-dir "$DATA" report "${RANGE[@]}" --group language --format html \
  -o "$WORK/report.html" || fail "html report"
grep -q '<td>eo</td><td class="w"' "$WORK/report.html" || fail "html: eo must read withheld"
! grep -qi '<script' "$WORK/report.html" || fail "html: a script"

# --- the read API serves the same report --------------------------------------
AUTH=(-H 'Authorization: Bearer report-token-0123456789abcdef0123456789')
Q="start=2026-11-26&end=2026-11-30&by=day&group=language&group=user_agent.os&group=screen_class"
curl -sS -o "$WORK/api.json" -w '%{http_code} %{content_type}' "${AUTH[@]}" \
  "http://127.0.0.1:$R/wsapi/report?$Q" >"$WORK/api.status" || fail "GET /wsapi/report"
[ "$(cat "$WORK/api.status")" = "200 application/json" ] || fail "report API: $(cat "$WORK/api.status")"
"$KPICTL" --data-dir "$DATA" report "${RANGE[@]}" --group language --group user_agent.os \
  --group screen_class --format json >"$WORK/cli.json" || fail "report for the API"
cmp -s "$WORK/api.json" "$WORK/cli.json" || fail "the read API's report differs from kpictl's"
code=$(curl -sS -o "$WORK/api.html" -w '%{http_code} %{content_type}' "${AUTH[@]}" \
  "http://127.0.0.1:$R/wsapi/report?$Q&format=html&where=event_stream%3Dassertion_generated")
[ "$code" = "200 text/html; charset=utf-8" ] || fail "html from the read API: $code"
grep -q '<svg' "$WORK/api.html" || fail "the API's HTML has no chart"
for bad in "min_count=9" "by=month" "format=csv" "group=a..b" "where=event_stream%3E1" "limit=3"; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' "${AUTH[@]}" "http://127.0.0.1:$R/wsapi/report?$bad")
  [ "$code" = 400 ] || fail "report API with $bad: $code, expected 400"
done
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$R/wsapi/report")
[ "$code" = 401 ] || fail "report API without the token: $code"
# /count answers from the indexes and agrees with export.
count=$(curl -sS "${AUTH[@]}" "http://127.0.0.1:$R/wsapi/interaction_data/count?start=2026-11-26&end=2026-11-30")
[ "$count" = '{"count":2419}' ] || fail "count: $count"
count=$(curl -sS "${AUTH[@]}" "http://127.0.0.1:$R/wsapi/interaction_data/count?start=2026-11-27T10:30Z&end=2026-11-28T05:17Z")
want=$("$KPICTL" --data-dir "$DATA" export 2026-11-27T10:30Z 2026-11-28T05:17Z | wc -l)
[ "$count" = "{\"count\":$want}" ] || fail "count of a part range: $count, export $want"

# --- --where event_stream in scan and sample ----------------------------------
n=$(grep -c '"assertion_generated"' "$WORK/all.jsonl")
scanned=$("$KPICTL" --data-dir "$DATA" scan "${RANGE[@]}" --json --where event_stream=assertion_generated |
  python3 -c 'import json,sys; print(sum(json.loads(l)["records"] for l in sys.stdin))')
[ "$scanned" = "$n" ] || fail "scan --where event_stream=: $scanned, expected $n"
"$KPICTL" --data-dir "$DATA" sample "${RANGE[@]}" -n 50 --seed 3 \
  --where event_stream!=assertion_generated >"$WORK/sample.jsonl" || fail "sample --where"
[ "$(wc -l <"$WORK/sample.jsonl")" = 50 ] || fail "sample returned $(wc -l <"$WORK/sample.jsonl")"
! grep -q '"assertion_generated"' "$WORK/sample.jsonl" || fail "sample kept a success"

# --- bad options: usage errors (exit 1) naming the option ---------------------
expect_usage() {  # expect_usage TEXT ARGS...: exit 1 and TEXT on stderr
  local text=$1 rc=0
  shift
  "$KPICTL" --data-dir "$DATA" report "$@" >/dev/null 2>"$WORK/err" || rc=$?
  [ "$rc" = 1 ] && grep -q -- "$text" "$WORK/err" || fail "report $*: exit $rc, $(cat "$WORK/err")"
}
expect_usage "--by" --by month
expect_usage "--format" --format csv
expect_usage "--min-count" --min-count 0
expect_usage "--threads" --threads 0
expect_usage "--threads" --threads 65
expect_usage "alias" --alias 'language:de=German'
expect_usage "FIELD:VALUE=LABEL" --group language --alias nonsense
expect_usage "values" --group language --values language
expect_usage "funnel" --funnel a,,b
expect_usage "group" --group 'a..b'
expect_usage "event_stream" --where 'event_stream>x'
echo "kpictl report: all checks passed"

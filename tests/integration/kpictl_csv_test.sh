#!/bin/bash
# kpictl export --format csv read back with a real CSV reader (python3's csv
# module): every record of the JSON lines export is one row, every value the
# same, columns in schema order with the objects flattened; --fields picks
# columns; -o FILE.csv and FILE.csv.zst hold the same bytes as stdout.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"
command -v zstd >/dev/null || { echo "skip: no zstd"; exit 77; }

D=$WORK/store
# The default schema with printable event names and user_agent members, so that the blobs
# can carry the commas and quotes a CSV writer must escape (the default's tokens have none).
SCHEMA=$WORK/schema.json
sed 's/"charset": "token"/"charset": "printable"/' "$KPI_SOURCE_DIR/packaging/schema.json" >"$SCHEMA"
start_kpid c "$D" --max-age 0 --writer-id c1 --schema "$SCHEMA"
START=1361440800000  # 2013-02-21T10:00Z
stored=$(python3 "$KPI_SOURCE_DIR/tests/integration/kpi_post_blobs.py" "$PORT_c" 400 \
  --seed 7 --start $START --hours 3 --awkward) || fail "posting failed"
check "kpid stored the 400 blobs (got $stored)" test "$stored" -eq 400

ctl() { "$KPICTL" --data-dir "$D" "$@"; }
# The schema kpid ran with names the columns (an installed schema.json, the
# default, could be another version).
CSV=(--format csv --schema "$SCHEMA")
ctl export >"$WORK/all.jsonl" || fail "export failed"
ctl export "${CSV[@]}" >"$WORK/all.csv" || fail "export --format csv failed"
ctl export --format jsonl >"$WORK/again.jsonl" || fail "export --format jsonl failed"
check "--format jsonl is the default" cmp -s "$WORK/all.jsonl" "$WORK/again.jsonl"

# compare CSV JSONL [COLUMNS]: every row equals its record, field by field.
compare() {
  python3 - "$@" <<'PY' || fail "CSV $1 differs from $2"
import csv, datetime, json, sys
csv_path, jsonl_path = sys.argv[1], sys.argv[2]
with open(csv_path, newline="", encoding="utf-8") as f:
    raw = f.read()
assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", ""), "rows must end in CRLF"
rows = list(csv.reader(raw.splitlines(keepends=True), strict=True))
header, rows = rows[0], rows[1:]
if len(sys.argv) > 3:
    assert header == sys.argv[3].split(","), header
records = [json.loads(line) for line in open(jsonl_path, encoding="utf-8")]
assert len(rows) == len(records), (len(rows), len(records))

for row, record in zip(rows, records):
    assert len(row) == len(header), row
    for name, text in zip(header, row):
        if name == "time":
            want = datetime.datetime.fromtimestamp(record["timestamp"] / 1000, datetime.timezone.utc)
            assert datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) == want, (text, want)
            continue
        value = record
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            assert text == "", (name, text, record["_id"])
        elif isinstance(value, bool):
            assert text == ("true" if value else "false"), (name, text)
        elif isinstance(value, (int, float)):
            assert float(text) == value and type(json.loads(text)) is type(value), (name, text, value)
        elif isinstance(value, list):
            assert json.loads(text) == value, (name, text)
        else:
            assert text == value, (name, text, value)
print("compared %d rows, %d columns" % (len(rows), len(header)))
PY
}

compare "$WORK/all.csv" "$WORK/all.jsonl" \
  "_id,timestamp,time,event_stream,email_type,number_emails,new_account,language,number_sites_logged_in,number_sites_remembered,orphaned,rp_api,screen_size.width,screen_size.height,sample_rate,user_agent.os,user_agent.browser,user_agent.version"
check "values needing quotes reached the CSV" grep -q '"Linux, x86_64"' "$WORK/all.csv"

# --fields: only those columns, next to the same projection as JSON lines.
ctl export --fields language,screen_size >"$WORK/some.jsonl" || fail "export --fields failed"
ctl export "${CSV[@]}" --fields language,screen_size >"$WORK/some.csv" ||
  fail "export --format csv --fields failed"
compare "$WORK/some.csv" "$WORK/some.jsonl" "_id,language,screen_size.width,screen_size.height"
ctl export "${CSV[@]}" --fields timestamp,-_id 2013-02-21T11 2013-02-21T12 >"$WORK/hour.csv" ||
  fail "export of one hour failed"
ctl export --fields timestamp,-_id 2013-02-21T11 2013-02-21T12 >"$WORK/hour.jsonl"
compare "$WORK/hour.csv" "$WORK/hour.jsonl" "timestamp,time"
check "the hour is part of the store" test "$(wc -l <"$WORK/hour.jsonl")" -lt 400

# -o FILE.csv and FILE.csv.zst: the same bytes as stdout.
ctl export "${CSV[@]}" -o "$WORK/out.csv" || fail "export -o out.csv failed"
check "-o out.csv equals stdout" cmp -s "$WORK/out.csv" "$WORK/all.csv"
ctl export "${CSV[@]}" -o "$WORK/out.csv.zst" || fail "export -o out.csv.zst failed"
zstd -q -dc "$WORK/out.csv.zst" >"$WORK/unzstd.csv" || fail "out.csv.zst is not zstd"
check "-o out.csv.zst decompresses to stdout's CSV" cmp -s "$WORK/unzstd.csv" "$WORK/all.csv"

# A range with no records is a header alone; a bad format is a usage error.
ctl export "${CSV[@]}" 2001-01-01 2001-01-02 >"$WORK/empty.csv" || fail "empty range failed"
check "an empty range gives the header only" test "$(wc -l <"$WORK/empty.csv")" -eq 1
rc=0
ctl export --format xml >/dev/null 2>"$WORK/bad.err" || rc=$?
check "--format xml is a usage error (exit $rc)" test "$rc" -eq 1
rc=0
ctl export --format csv --schema "$WORK/missing.json" >/dev/null 2>"$WORK/bad.err" || rc=$?
check "a missing --schema is a usage error (exit $rc)" test "$rc" -eq 1
grep -q "missing.json" "$WORK/bad.err" || fail "the error does not name the schema: $(cat "$WORK/bad.err")"

stop_kpid c
check "kpid stopped cleanly" test "$STOP_RC" -eq 0
echo "kpictl_csv_test: ok ($stored records)"

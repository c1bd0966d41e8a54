#!/usr/bin/env bash
# Rebuilds the seed corpora in tests/fuzz/corpus/ from the repository's own
# samples. Usage: bash tests/fuzz/make_corpus.sh <fuzz-build-dir>
# The output is committed; rerun only when the fixtures or formats change.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:?usage: make_corpus.sh <fuzz-build-dir>}
corpus=$here/corpus
fixtures=$root/tests/fixtures

# Byte 0 of an ingest_body input picks the content type: 0 JSON, 1 form.
mkdir -p "$corpus/ingest_body" "$corpus/form_decoder" "$corpus/segment_reader"
with_byte() { { printf "\\x$1"; cat; } > "$2"; }
with_byte 00 "$corpus/ingest_body/request-dialog" < "$fixtures/request-dialog.json"
with_byte 00 "$corpus/ingest_body/dialog-blob" < "$fixtures/dialog-blob.json"
with_byte 00 "$corpus/ingest_body/seed-blob" < "$fixtures/seed-blob.json"
with_byte 01 "$corpus/ingest_body/request-forwarded" < "$fixtures/request-forwarded.form"
printf '\x00[{"timestamp":1764439200000,"event_stream":[["a",1]]},{"sample_rate":0.5}]' \
  > "$corpus/ingest_body/bare-array"
printf '\x01data=%%7B%%22lang%%22%%3A%%22fr%%22%%7D&csrf=abc' > "$corpus/ingest_body/form-object"

# Byte 0 of a form_decoder input picks the field: 0 "data", 1 "csrf".
with_byte 00 "$corpus/form_decoder/request-forwarded" < "$fixtures/request-forwarded.form"
printf '\x01data=%%5B%%5D&csrf=a+b%%2Bc' > "$corpus/form_decoder/csrf"
printf '\x00a=1&&data&data=2' > "$corpus/form_decoder/empty-pairs"
printf '\x00data=%%zz' > "$corpus/form_decoder/bad-escape"

# csv_row: record lines, canonical (the scanner's path) and not (simdjson's).
mkdir -p "$corpus/csv_row"
printf '%s' '{"_id":"n1-0000000000000007","timestamp":1361440800000,"event_stream":[["screen.rp_info",2721],["picker",40,5]],"email_type":"primary","number_emails":3,"new_account":false,"language":"en-US","screen_size":{"width":640,"height":480},"sample_rate":0.1,"user_agent":{"os":"Windows","browser":"Firefox","version":"5.1"}}' \
  > "$corpus/csv_row/canonical"
printf '%s' '{"_id":"a-1","timestamp":5,"language":"a\"b\\c\u00e9\ud83d\ude00","theme":"x","user_agent":{"os":null,"z":[1,{"k":true}]}}' \
  > "$corpus/csv_row/escapes-unknown"
printf '%s' '{"_id":"a-2","timestamp":-0,"event_stream":[],"number_emails":1.5e-3,"screen_size":7}' \
  > "$corpus/csv_row/odd-values"
printf '%s' '{ "_id" : "a-3", "timestamp" : 1 }' > "$corpus/csv_row/white-space"

for v in three-records compacted torn corrupt-block; do
  cp "$root/format-spec/vectors/$v.kpi.zst" "$corpus/segment_reader/$v"
done

cmake --build "$build" --target fuzz_make_wal_seeds >/dev/null
"$build/tests/fuzz/fuzz_make_wal_seeds" "$corpus/wal_reader"
du -sh "$corpus"

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

for v in three-records compacted torn corrupt-block; do
  cp "$root/format-spec/vectors/$v.kpi.zst" "$corpus/segment_reader/$v"
done

cmake --build "$build" --target fuzz_make_wal_seeds >/dev/null
"$build/tests/fuzz/fuzz_make_wal_seeds" "$corpus/wal_reader"
du -sh "$corpus"

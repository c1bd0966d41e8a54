#!/bin/bash
# The reference reader (format-spec/reference/kpi_reader.py, written from the
# spec alone) against the golden vectors and against kpictl on a live store:
#  1. every vector in format-spec/vectors: its records equal <name>.jsonl and
#     its report equals the problem= lines of <name>.expect;
#  2. a store with several writers, a WAL, a sealed WAL beside its segment, a
#     compacted hour and a superseded input still present: the reader's export
#     equals `kpictl export` byte for byte and its verify summary and problems
#     equal `kpictl verify`'s;
#  3. the same store with a damaged header and block, a torn WAL and a header
#     that disagrees with its name: exports and reports still equal.
set -u
: "${KPICTL:?KPICTL must name the kpictl binary}"
: "${KPI_SOURCE_DIR:?KPI_SOURCE_DIR must name the source directory}"
: "${KPI_BINARY_DIR:?KPI_BINARY_DIR must name the build directory}"
# python3-zstandard is a Debian package: it imports under Debian's python3.
PY=/usr/bin/python3
READER=$KPI_SOURCE_DIR/format-spec/reference/kpi_reader.py
VECTORS=$KPI_SOURCE_DIR/format-spec/vectors
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore

WORK=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
$PY -c 'import zstandard' || { echo "FAIL: $PY cannot import zstandard (apt-get install python3-zstandard)"; exit 1; }

# --- 1. the vectors -------------------------------------------------------------
count=0
for file in "$VECTORS"/*.kpi.zst "$VECTORS"/*.wal; do
  [ -e "$file" ] || continue
  name=$(basename "$file"); name=${name%.kpi.zst}; name=${name%.wal}
  count=$((count + 1))
  $PY "$READER" export "$file" >"$WORK/records" 2>/dev/null
  cmp -s "$WORK/records" "$VECTORS/$name.jsonl" || fail "$name: records differ from $name.jsonl"
  $PY "$READER" verify "$file" | tail -n +2 | sed "s|^$file: ||" >"$WORK/report"
  sed -n 's/^problem=//p' "$VECTORS/$name.expect" | grep -vx none >"$WORK/expected"
  diff "$WORK/expected" "$WORK/report" >"$WORK/diff" || fail "$name: report differs: $(cat "$WORK/diff")"
done
for dir in "$VECTORS"/*/; do  # store vectors: data directories
  name=$(basename "$dir")
  count=$((count + 1))
  $PY "$READER" export "$dir" >"$WORK/records" 2>"$WORK/err" || fail "$name: reference export failed: $(cat "$WORK/err")"
  cmp -s "$WORK/records" "$VECTORS/$name.jsonl" || fail "$name: records differ from $name.jsonl"
  "$KPICTL" --data-dir "$dir" export >"$WORK/kpictl" 2>"$WORK/err" || fail "$name: kpictl export: $(cat "$WORK/err")"
  cmp -s "$WORK/kpictl" "$VECTORS/$name.jsonl" || fail "$name: kpictl export differs from $name.jsonl"
  "$KPICTL" --data-dir "$dir" verify >"$WORK/kpictl" 2>/dev/null
  $PY "$READER" verify "$dir" >"$WORK/reference"
  cmp -s "$WORK/kpictl" "$WORK/reference" || fail "$name: verify differs: $(cat "$WORK/kpictl" "$WORK/reference")"
done
[ "$count" -ge 14 ] || fail "only $count vectors found in $VECTORS"
# wal.md §3.1 as the reference reader implements it from the text: every frame's
# seq in wal-good is the one the record order gives its arrival index.
$PY "$READER" order "$VECTORS/wal-good.wal" >"$WORK/order" || fail "kpi_reader order wal-good.wal failed"
[ "$(wc -l <"$WORK/order")" -eq 6 ] || fail "wal-good: expected 6 frames, got: $(cat "$WORK/order")"
awk '$2 != $3 { bad = 1 } END { exit bad }' "$WORK/order" || fail "wal-good: seqs do not follow wal.md §3.1: $(cat "$WORK/order")"

# --- 2. a live store --------------------------------------------------------------
A=$WORK/a
mk() { "$MKSTORE" --block-bytes 8192 --from 2026-11-29T18 "$@" >/dev/null || fail "kpi-mkstore $*"; }
mk --data-dir "$A" --records 600 --hours 3 --writer a1 --wal-hours 1
mk --data-dir "$A" --records 200 --hours 2 --writer b2 --seed 7
# The sealed twin of a1's WAL: the same records as a segment under the same key
# (a crash between publishing a segment and deleting its WAL leaves both).
mk --data-dir "$WORK/twin" --records 600 --hours 3 --writer a1
twin=$(cd "$WORK/twin" && find segments -path '*/20/*' -name '*.kpi.zst')
mkdir -p "$A/$(dirname "$twin")" && cp "$WORK/twin/$twin" "$A/$twin"
# Compact hour 18 (a1 and b2), then put one input back: a superseded leftover.
hour18=$A/segments/2026/11/29/18
input=$(ls "$hour18" | head -1)
cp "$hour18/$input" "$WORK/input"
"$KPICTL" --data-dir "$A" compact --level 3 2026-11-29T18 2026-11-29T19 >/dev/null 2>"$WORK/err" ||
  fail "kpictl compact: $(cat "$WORK/err")"
ls "$hour18" | grep -q '^compact-' || fail "compaction wrote no compact-* segment"
cp "$WORK/input" "$hour18/$input"

"$KPICTL" --data-dir "$A" export >"$WORK/kpictl.jsonl" 2>"$WORK/err" || fail "kpictl export: $(cat "$WORK/err")"
$PY "$READER" export "$A" >"$WORK/reference.jsonl" 2>"$WORK/err" || fail "reference export: $(cat "$WORK/err")"
[ "$(wc -l <"$WORK/kpictl.jsonl")" -eq 800 ] || fail "kpictl export: $(wc -l <"$WORK/kpictl.jsonl") records, expected 800"
cmp -s "$WORK/kpictl.jsonl" "$WORK/reference.jsonl" || fail "export of the live store differs from kpictl export"

"$KPICTL" --data-dir "$A" verify >"$WORK/kpictl.verify" 2>"$WORK/kpictl.problems"
$PY "$READER" verify "$A" >"$WORK/reference.verify"
[ "$(head -1 "$WORK/kpictl.verify")" = "$(head -1 "$WORK/reference.verify")" ] ||
  fail "verify summaries differ: kpictl '$(head -1 "$WORK/kpictl.verify")', reference '$(head -1 "$WORK/reference.verify")'"
[ -s "$WORK/kpictl.problems" ] && fail "kpictl verify reported problems: $(cat "$WORK/kpictl.problems")"
[ "$(wc -l <"$WORK/reference.verify")" -eq 1 ] || fail "reference verify reported problems: $(cat "$WORK/reference.verify")"

# --- 3. the same store damaged: both readers skip and report the same things ------
# kpictl verify's lines "kpictl: damaged: FILE: [block I at ]offset N: KIND: why" in the
# spec's form "FILE: damage KIND [block=I ]offset=N" (segment.md §12).
report_of_kpictl() {
  sed -E -e 's/^kpictl: damaged: /damage /' -e 's/^kpictl: warning: /warning /' \
    -e 's/^(damage|warning) ([^:]*): block ([0-9]+) at offset ([0-9]+): ([a-z]+): .*/\2: \1 \5 block=\3 offset=\4/' \
    -e 's/^(damage|warning) ([^:]*): offset ([0-9]+): ([a-z]+): .*/\2: \1 \4 offset=\3/' "$1" | sort
}
seg19=$(ls "$A"/segments/2026/11/29/19/a1-*.kpi.zst)
$PY - "$seg19" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[24] ^= 1                      # the header's seq: its crc32c fails
data[len(data) // 3] ^= 0x10       # somewhere in a block
open(path, "wb").write(bytes(data))
PY
wal=$(ls "$A"/wal/*.wal)
rm "$A/$twin"                      # the WAL is live again, and gets a torn tail
printf 'torn' >>"$wal"
b2=$(ls "$A"/segments/2026/11/29/19/b2-*.kpi.zst)
mv "$b2" "$(dirname "$b2")/b2-00000000000000ff.kpi.zst"  # its header disagrees with its name
"$KPICTL" --data-dir "$A" export >"$WORK/kpictl.jsonl" 2>/dev/null
$PY "$READER" export "$A" >"$WORK/reference.jsonl" 2>/dev/null
cmp -s "$WORK/kpictl.jsonl" "$WORK/reference.jsonl" ||
  fail "export of the damaged store differs ($(wc -l <"$WORK/kpictl.jsonl") vs $(wc -l <"$WORK/reference.jsonl") lines)"
"$KPICTL" --data-dir "$A" verify >"$WORK/kpictl.verify" 2>"$WORK/kpictl.problems"
$PY "$READER" verify "$A" >"$WORK/reference.verify"
[ "$(head -1 "$WORK/kpictl.verify")" = "$(head -1 "$WORK/reference.verify")" ] ||
  fail "damaged store: verify summaries differ: kpictl '$(head -1 "$WORK/kpictl.verify")', reference '$(head -1 "$WORK/reference.verify")'"
report_of_kpictl "$WORK/kpictl.problems" >"$WORK/kpictl.report"
tail -n +2 "$WORK/reference.verify" | sort >"$WORK/reference.report"
diff "$WORK/kpictl.report" "$WORK/reference.report" >"$WORK/diff" || fail "damaged store: reports differ: $(cat "$WORK/diff")"
grep -q ' header offset=0$' "$WORK/reference.report" && grep -q ' block block=' "$WORK/reference.report" &&
  grep -q ' torn offset=' "$WORK/reference.report" || fail "damaged store: not every damage was found: $(cat "$WORK/reference.report")"

[ "$FAILED" -eq 0 ] && echo "reference reader: $count vectors and a live store agree"
exit "$FAILED"

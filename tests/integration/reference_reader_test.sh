#!/bin/bash
# The reference reader (format-spec/reference/kpi_reader.py, written from the
# spec alone) against the golden vectors and against kpictl on a live store:
#  1. every vector in format-spec/vectors: its records equal <name>.jsonl and
#     its report equals the problem= lines of <name>.expect;
#  2. a store with several writers, a WAL, a sealed WAL beside its segment, a
#     compacted hour and a superseded input still present: the reader's export
#     equals `kpictl export` byte for byte and its verify summary and problems
#     equal `kpictl verify`'s.
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
[ "$count" -ge 5 ] || fail "only $count vectors found in $VECTORS"

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

[ "$FAILED" -eq 0 ] && echo "reference reader: $count vectors and a live store agree"
exit "$FAILED"

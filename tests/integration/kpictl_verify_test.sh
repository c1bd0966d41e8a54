#!/bin/bash
# kpictl verify finds every kind of problem it reports, each with the file
# and the offset where it is, and exits 3 (0 with only warnings):
#   order        two blocks swapped, index rewritten to match: every block
#                sound, the (timestamp, _id) order across them broken
#   hour bounds  a segment moved into another hour's directory
#   header       a segment renamed to another seq: its header disagrees
#   index        a byte of the index flipped
#   block        a byte of a block's zstd data flipped
#   WAL frame    a byte of a WAL frame flipped, sound frames after it
#   torn tail    bytes appended to a WAL: a warning, exit 0
# verify RANGE checks only the range's hours. kpid's recovery names the WAL
# and the offset of a torn tail it cuts off.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}" "${KPI_BINARY_DIR:?}"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
DAMAGE="python3 $KPI_SOURCE_DIR/tests/integration/kpi_damage.py"

BASE=$WORK/base
D=$WORK/store
"$MKSTORE" --data-dir "$BASE" --records 600 --hours 3 --from 2026-11-29T18 --writer a1 \
  --wal-hours 1 --block-bytes 8192 >/dev/null || fail "kpi-mkstore failed"
fresh() { rm -rf "$D" && cp -r "$BASE" "$D"; }
seg18() { ls "$D"/segments/2026/11/29/18/*.kpi.zst; }
wal() { ls "$D"/wal/*.wal; }

# verify_finds CODE WHAT REGEX: kpictl verify exits CODE and prints a line
# matching ^kpictl: REGEX on stderr.
verify_finds() {
  local code=$1 what=$2 regex=$3 rc=0
  "$KPICTL" --data-dir "$D" verify >"$WORK/out" 2>"$WORK/err" || rc=$?
  [ "$rc" = "$code" ] || fail "verify of $what: exit $rc, expected $code: $(head -n 5 "$WORK/err")"
  grep -Eq "^kpictl: $regex" "$WORK/err" ||
    fail "verify of $what: no line matching '$regex' on stderr: $(head -n 5 "$WORK/err")"
}

fresh
"$KPICTL" --data-dir "$D" verify >"$WORK/out" 2>"$WORK/err" || fail "verify of the sound store"

# --- order ----------------------------------------------------------------------
fresh
seg=$(seg18)
offset=$($DAMAGE swap-blocks "$seg") || fail "swapping blocks failed"
verify_finds 3 "swapped blocks" \
  "damaged: $seg: (block 1 at )?offset $offset\b.*record .* is not after .* in \(timestamp, _id\) order"
check "only the order is damaged: $(cat "$WORK/err")" test "$(grep -c damaged "$WORK/err")" = 1

# --- hour bounds and header ---------------------------------------------------------
fresh
mkdir -p "$D/segments/2026/11/29/21"
moved=$D/segments/2026/11/29/21/$(basename "$(seg18)")
mv "$(seg18)" "$moved"
verify_finds 3 "a segment in another hour" \
  "damaged: $moved: (block 0 at )?offset [0-9]+\b.*record .* (is outside the segment's hour|timestamp outside the block's range)"
grep -Eq "^kpictl: damaged: $moved: offset 0\b.*header says hour 2026-11-29T18" "$WORK/err" ||
  fail "verify: the moved segment's header is not reported at offset 0: $(head -n 3 "$WORK/err")"
fresh
seg=$(seg18)
renamed=$(dirname "$seg")/a1-00000000000000ff.kpi.zst
mv "$seg" "$renamed"
verify_finds 3 "a renamed segment" \
  "damaged: $renamed: offset 0\b.*header says hour 2026-11-29T18, writer a1, seq [0-9]+, which (does not match its name|its path does not)"

# --- index --------------------------------------------------------------------------
fresh
seg=$(seg18)
size=$(stat -c %s "$seg")
$DAMAGE flip "$seg" $((size - 40))  # inside the last index entry
verify_finds 3 "a damaged index" "damaged: $seg: .*offset [0-9]+\b.*index"

# --- block --------------------------------------------------------------------------
fresh
seg=$(seg18)
$DAMAGE swap-blocks "$seg" >/dev/null && $DAMAGE swap-blocks "$seg" >"$WORK/block1"  # twice: as before
block1=$(cat "$WORK/block1")
$DAMAGE flip "$seg" $((block1 + 20))
verify_finds 3 "a damaged block" "damaged: $seg: (block 1 at )?offset $block1\b"

# --- WAL frame and torn tail ------------------------------------------------------------
fresh
w=$(wal)
$DAMAGE wal-frame-offsets "$w" >"$WORK/frames"
second=$(sed -n 2p "$WORK/frames")
[ -n "$second" ] || fail "the WAL holds fewer than two frames"
$DAMAGE flip "$w" $((second + 30))  # the second frame's payload; frames 3.. stay sound
verify_finds 3 "a damaged WAL frame" "damaged: $w: offset $second\b"
fresh
w=$(wal)
size=$(stat -c %s "$w")
printf 'torn' >>"$w"
verify_finds 0 "a torn WAL tail" "warning: $w: offset $size: (torn: )?torn tail"

# --- verify RANGE ---------------------------------------------------------------------
fresh
$DAMAGE flip "$(seg18)" 3000
verify_finds 3 "the damaged hour" "damaged: $(seg18): .*offset [0-9]+"
"$KPICTL" --data-dir "$D" verify 2026-11-29T19 2026-11-29T21 >"$WORK/out" 2>"$WORK/err" ||
  fail "verify of the two sound hours exited $?: $(head -n 3 "$WORK/err")"
grep -q "^verified 1 segments (.* blocks), 1 WALs, .*: 0 damaged, 0 warnings$" "$WORK/out" ||
  fail "verify RANGE: summary: $(cat "$WORK/out")"

# --- kpid cuts a torn WAL tail off and names the WAL and offset -------------------------
fresh
w=$(wal)
size=$(stat -c %s "$w")
printf 'torn' >>"$w"
$DAMAGE writer-seq "$D" a1 $((1 << 20))  # kpi-mkstore writes no seq file
start_kpid torn "$D" --writer-id a1 --max-age 0 --min-free-bytes 0
# The seal thread's first pass cuts the tail, in the background (up to 10 s).
for _ in $(seq 100); do
  grep -q "dropped a torn tail" "$WORK/torn.log" && break
  sleep 0.1
done
stop_kpid torn
grep -q "$w: dropped a torn tail of 4 bytes (offset $size: .*)" "$WORK/torn.log" ||
  fail "kpid's log does not name the torn WAL and offset $size: $(cat "$WORK/torn.log")"
"$KPICTL" --data-dir "$D" verify >"$WORK/out" 2>"$WORK/err" ||
  fail "verify after kpid's recovery exited $?: $(head -n 3 "$WORK/err")"
echo "PASS: verify finds order, hour bounds, header, index, block, WAL frame and torn tail"

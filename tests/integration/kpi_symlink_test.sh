#!/bin/bash
# Files in the store and exports are created without following symbolic links
# (issue 13, point 8). A link planted at each name kpid or kpictl creates or
# opens for writing (the writer lock, the compaction/maintenance lock, an
# export's temporary, a tail cursor's temporary) is refused with an error
# naming the path, and the link's target is left untouched. A leftover regular
# temporary (a killed export) does not block the next export.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}" "${KPI_BINARY_DIR:?}"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
[ -x "$MKSTORE" ] || fail "$MKSTORE is not built"

VICTIM=$WORK/victim
printf 'precious\n' >"$VICTIM"
untouched() { test "$(cat "$VICTIM")" = precious; }
# refused WHAT LOG PATH: the log names PATH as a symbolic link, the victim is intact.
refused() {
  grep -qF "$3 is a symbolic link" "$2" || fail "$1: no error naming $3: $(tail -n 3 "$2")"
  untouched || fail "$1: the link's target was written"
}

S=$WORK/store
"$MKSTORE" --data-dir "$S" --records 100 --hours 2 --from 2013-02-21 --writer mk >/dev/null

# --- the writer lock -----------------------------------------------------------
mkdir -p "$S/writers/sy"
ln -s "$VICTIM" "$S/writers/sy/lock"
rc=0
timeout 20 "$KPID" --data-dir "$S" --listen 127.0.0.1:0 --writer-id sy >"$WORK/kpid.log" 2>&1 || rc=$?
check "kpid refuses a linked writer lock with exit 2 (got $rc)" test "$rc" = 2
refused "writer lock" "$WORK/kpid.log" "$S/writers/sy/lock"
rm "$S/writers/sy/lock"

# --- the maintenance lock (compact and purge) ----------------------------------
mkdir -p "$S/locks"
ln -s "$VICTIM" "$S/locks/compact.lock"
for cmd in "compact" "purge --before 2014-01-01"; do
  rc=0
  # shellcheck disable=SC2086
  "$KPICTL" --data-dir "$S" $cmd >"$WORK/ctl.out" 2>"$WORK/ctl.err" || rc=$?
  check "kpictl $cmd refuses a linked lock with exit 2 (got $rc)" test "$rc" = 2
  refused "kpictl $cmd" "$WORK/ctl.err" "$S/locks/compact.lock"
done
rm "$S/locks/compact.lock"

# --- an export's temporary -----------------------------------------------------
OUT=$WORK/out
mkdir -p "$OUT"
for name in week.jsonl week.jsonl.zst; do
  ln -s "$VICTIM" "$OUT/.$name.tmp"
  rc=0
  "$KPICTL" --data-dir "$S" export -o "$OUT/$name" >/dev/null 2>"$WORK/export.err" || rc=$?
  check "export -o $name refuses a linked temporary with exit 2 (got $rc)" test "$rc" = 2
  refused "export -o $name" "$WORK/export.err" "$OUT/.$name.tmp"
  check "no export was written through the link" test ! -e "$OUT/$name"
  rm "$OUT/.$name.tmp"
done
printf 'left by a killed export\n' >"$OUT/.week.jsonl.tmp"
"$KPICTL" --data-dir "$S" export -o "$OUT/week.jsonl" 2>"$WORK/export.err" ||
  fail "a leftover temporary blocks the export: $(cat "$WORK/export.err")"
check "the export holds every record" test "$(wc -l <"$OUT/week.jsonl")" = 100
check "the leftover temporary is gone" test ! -e "$OUT/.week.jsonl.tmp"
# The final name may be a link: rename(2) replaces the link, never writes its target.
ln -sf "$VICTIM" "$OUT/linked.jsonl"
"$KPICTL" --data-dir "$S" export -o "$OUT/linked.jsonl" 2>"$WORK/export.err" || fail "export over a link"
untouched || fail "export -o wrote through a link at the final name"
check "the export replaced the link" test ! -L "$OUT/linked.jsonl"

# --- a tail cursor's temporary -------------------------------------------------
ln -s "$VICTIM" "$WORK/.cursor.tmp"
rc=0
"$KPICTL" --data-dir "$S" tail -n 5 --cursor-file "$WORK/cursor" >/dev/null 2>"$WORK/tail.err" || rc=$?
check "tail refuses a linked cursor temporary with exit 2 (got $rc)" test "$rc" = 2
refused "tail --cursor-file" "$WORK/tail.err" "$WORK/.cursor.tmp"
rm "$WORK/.cursor.tmp"
"$KPICTL" --data-dir "$S" tail -n 5 --cursor-file "$WORK/cursor" >/dev/null 2>"$WORK/tail.err" ||
  fail "tail --cursor-file without the link: $(cat "$WORK/tail.err")"
check "the cursor was saved" test -s "$WORK/cursor"
echo "PASS"

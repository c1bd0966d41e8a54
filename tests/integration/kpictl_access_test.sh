#!/bin/bash
# Who can read the store, and what kpictl leaves behind (issue 13, point 6):
# - every file kpictl writes (export, report, tail cursor) is mode 0600 even
#   under umask 000, and an existing 0644 target becomes 0600;
# - kpid and kpictl give the store's files to owner and group only (0640,
#   directories 0750, the CSRF key 0600), never to others, whatever umask;
# - in a data dir of the readers' group with the setgid bit (as the package
#   makes /var/lib/kpid), a member of that group reads the store with kpictl
#   without root and cannot write to it; a non-member reads nothing;
# - kpictl finds the store from kpid's config file (the packaged kpid.conf,
#   through KPICTL_CONFIG standing in for /etc/kpid/kpid.conf), so
#   `kpictl export -7d` works as printed; without one it says what to give.
# Hermetic: users and groups are only borrowed (nobody, users) by setpriv.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}"
[ "$(id -u)" = 0 ] || fail "needs root, to read as user nobody with setpriv"
READERS=users  # the group standing in for the package's kpi-readers
chmod 0711 "$WORK"  # nobody may pass through to the store, not list the work dir
chmod 1777 "$SANITIZER_DIR"  # kpictl run as nobody writes its sanitizer reports there too
umask 000

# --- a store in a readers' directory, as the package lays it out --------------
DATA=$WORK/data
mkdir "$DATA"
chgrp "$READERS" "$DATA"
chmod 2750 "$DATA"
start_kpid s "$DATA" --max-age 0 --min-free-bytes 0 --writer-id ax --seal-grace 0s
printf '{"data":[{"event_stream":[["screen.rp_info",1]],"lang":"en-US"},%s]}' \
  '{"event_stream":[["screen.rp_info",2]],"lang":"de"}' >"$WORK/now.json"
for i in 1 2 3; do
  post "$PORT_s" application/json "$WORK/now.json" | grep -q '^200' || fail "post $i"
done
post "$PORT_s" application/json "$FIXTURES/request-dialog.json" | grep -q '^200' ||
  fail "post of 2013 records"
wait_hours_left "$DATA" 2 || fail "kpid did not seal the 2012 and 2013 hours"
"$KPICTL" --data-dir "$DATA" compact 2012-01-01 2014-01-01 >/dev/null 2>"$WORK/compact.err" ||
  fail "compact the old hours: $(cat "$WORK/compact.err")"

others=$(find "$DATA" -perm /o=rwx)
[ -z "$others" ] || fail "store files open to others: $(ls -ld $others)"
gw=$(find "$DATA" -perm /g=w)
[ -z "$gw" ] || fail "store files the readers' group may write: $(ls -ld $gw)"
check "the CSRF key is kpid's alone" test "$(stat -c %a "$DATA/csrf.key")" = 600
foreign=$(find "$DATA" ! -group "$READERS")
[ -z "$foreign" ] || fail "store files outside the readers' group: $(ls -ld $foreign)"
check "segments are group-readable" test -n "$(find "$DATA/segments" -type f -perm -g=r)"

# --- kpictl finds the store through kpid's config file ------------------------
mkdir -p "$WORK/etc"
sed "s|^data-dir = .*|data-dir = $DATA|" "$KPI_SOURCE_DIR/packaging/kpid.conf" >"$WORK/etc/kpid.conf"
grep -qx "data-dir = $DATA" "$WORK/etc/kpid.conf" || fail "the packaged kpid.conf has no data-dir line"
export KPICTL_CONFIG=$WORK/etc/kpid.conf
as_reader() { setpriv --reuid=nobody --regid=nogroup --groups="$READERS" -- "$@"; }
as_stranger() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }

(cd "$WORK" && as_reader "$KPICTL" export -7d) >"$WORK/reader.jsonl" 2>"$WORK/reader.err" ||
  fail "a member of the readers' group cannot run kpictl export -7d: $(cat "$WORK/reader.err")"
check "the reader sees the 6 new records" test "$(grep -c '"_id"' "$WORK/reader.jsonl")" = 6
as_reader "$KPICTL" export 2012-01-01 2014-01-01 >"$WORK/old.jsonl" 2>"$WORK/reader.err" ||
  fail "the reader cannot read the compacted segments: $(cat "$WORK/reader.err")"
check "the reader sees the 2 sealed records" test "$(grep -c '"_id"' "$WORK/old.jsonl")" = 2
as_reader "$KPICTL" ls >/dev/null 2>&1 || fail "the reader cannot list the store"
if as_reader touch "$DATA/segments/planted" 2>/dev/null; then fail "the reader could write"; fi
rc=0
as_stranger "$KPICTL" export -7d >"$WORK/stranger.jsonl" 2>"$WORK/stranger.err" || rc=$?
check "a non-member is refused (exit 2, got $rc)" test "$rc" = 2
check "a non-member reads nothing" test ! -s "$WORK/stranger.jsonl"
"$KPICTL" --data-dir "$WORK/elsewhere" export 2>"$WORK/err" >/dev/null
grep -q "data dir $WORK/elsewhere" "$WORK/err" || fail "--data-dir must win over the config file"
rc=0
KPICTL_CONFIG=$WORK/etc/none.conf "$KPICTL" export -7d >/dev/null 2>"$WORK/err" || rc=$?
check "no config and no --data-dir: exit 1 (got $rc)" test "$rc" = 1
grep -q "no data directory: give --data-dir DIR, or --config FILE" "$WORK/err" ||
  fail "no data dir: message: $(cat "$WORK/err")"
grep -qF "$WORK/etc/none.conf" "$WORK/err" || fail "no data dir: the default config is not named"

# --- files kpictl writes: 0600 under umask 000 --------------------------------
OUT=$WORK/out
mkdir "$OUT"
: >"$OUT/old.jsonl"
chmod 0644 "$OUT/old.jsonl"
"$KPICTL" export -o "$OUT/old.jsonl" >/dev/null || fail "export over an existing file"
"$KPICTL" export -o "$OUT/all.jsonl.zst" >/dev/null || fail "export .zst"
"$KPICTL" export --format csv -o "$OUT/all.csv" >/dev/null || fail "export csv"
"$KPICTL" report -o "$OUT/report.txt" >/dev/null || fail "report"
"$KPICTL" report --format json -o "$OUT/report.json" >/dev/null || fail "report json"
"$KPICTL" report --format html -o "$OUT/report.html" >/dev/null || fail "report html"
"$KPICTL" tail -n 2 --cursor-file "$OUT/cursor" >/dev/null || fail "tail --cursor-file"
for f in old.jsonl all.jsonl.zst all.csv report.txt report.json report.html cursor; do
  [ -f "$OUT/$f" ] || fail "kpictl wrote no $f"
  check "$f is mode 0600 ($(stat -c %a "$OUT/$f"))" test "$(stat -c %a "$OUT/$f")" = 600
done
check "kpictl left nothing else" test "$(ls -A "$OUT" | wc -l)" = 7
stop_kpid s
echo PASS

#!/bin/bash
# kpictl purge on a 100% full disk: an 8 MiB tmpfs holding a store, filled to
# the last block by a filler file and to the last inode by empty files. Purge
# needs no space (no temporary file, only unlink, rmdir and directory fsyncs;
# the maintenance lock file cannot even be created, and purge goes on without
# it: no lock file appears), frees what --keep-free asks, oldest hours first,
# and the remaining records (checked to be there: 12000) read back intact.
# Needs root for mount: skipped otherwise, which tests/run_ctest.sh fails.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}" "${KPI_BINARY_DIR:?}"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
[ -x "$MKSTORE" ] || { echo "SKIP: $MKSTORE not built"; exit 77; }

DISK=$WORK/disk
mkdir -p "$DISK"
if ! mount -t tmpfs -o size=8m,nr_inodes=400 tmpfs "$DISK" 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here (needs root)"
  exit 77
fi
extra_cleanup() { umount "$DISK" 2>/dev/null; }

S=$DISK/store
"$MKSTORE" --data-dir "$S" --records 24000 --hours 8 --from 2026-03-01 --writer a1 >/dev/null ||
  fail "cannot write the store"
"$KPICTL" --data-dir "$S" export 2026-03-01T04.. >"$WORK/newest.jsonl"
check "hours 4..7 hold 12000 records (got $(wc -l <"$WORK/newest.jsonl"))" \
  test "$(wc -l <"$WORK/newest.jsonl")" = 12000
rm -rf "$S/locks"  # so that purge must create the lock file, and cannot
dd if=/dev/zero of="$DISK/filler" bs=4k 2>/dev/null  # runs until ENOSPC
for ((i = 0; i < 1000; i++)); do : 2>/dev/null >"$DISK/inode.$i" || break; done
free_kib() { df -k --output=avail "$DISK" | tail -n 1 | tr -d ' '; }
free_inodes() { df --output=iavail "$DISK" | tail -n 1 | tr -d ' '; }
check "the disk is full (free $(free_kib) KiB)" test "$(free_kib)" = 0
check "no inode is left (free $(free_inodes))" test "$(free_inodes)" = 0

"$KPICTL" --data-dir "$S" purge --dry-run --keep-free 1M >"$WORK/out" 2>"$WORK/err" ||
  fail "dry run on a full disk: $(cat "$WORK/err")"
grep -q '^would remove 2026-03-01T00' "$WORK/out" || fail "dry run does not start with the oldest hour"
"$KPICTL" --data-dir "$S" purge --keep-free 1M >"$WORK/out" 2>"$WORK/err" ||
  fail "purge on a full disk: $(cat "$WORK/err")"
grep -q '^removed 2026-03-01T00' "$WORK/out" || fail "purge did not remove the oldest hour first"
check "purge went on without the lock file it could not create" test ! -e "$S/locks/compact.lock"
check "purge freed at least 1 MiB (free $(free_kib) KiB)" test "$(free_kib)" -ge 1024
removed=$(grep -c '^removed ' "$WORK/out")
check "purge kept the newer hours (removed $removed)" test "$removed" -lt 4
"$KPICTL" --data-dir "$S" export 2026-03-01T04.. | cmp -s - "$WORK/newest.jsonl" ||
  fail "the kept hours do not read back intact"

# Full again: --before works the same way.
dd if=/dev/zero of="$DISK/filler2" bs=4k 2>/dev/null
for ((i = 1000; i < 2000; i++)); do : 2>/dev/null >"$DISK/inode.$i" || break; done
check "the disk is full again" test "$(free_kib)" = 0
"$KPICTL" --data-dir "$S" purge --before 2026-03-01T04 >"$WORK/out" 2>"$WORK/err" ||
  fail "purge --before on a full disk: $(cat "$WORK/err")"
check "space came back" test "$(free_kib)" -gt 0
"$KPICTL" --data-dir "$S" export | cmp -s - "$WORK/newest.jsonl" || fail "hours 4..7 changed"
echo PASS

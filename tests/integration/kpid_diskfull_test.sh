#!/bin/bash
# kpid on a full disk: a 4 MiB tmpfs as the data dir, filled by a filler
# file. kpid answers 507 with Retry-After, keeps everything it acknowledged,
# and accepts again without a restart once the filler is gone. Run twice:
# with a free-space floor (507 before the disk is full) and without one
# (507 from a real ENOSPC on the WAL). Needs root for mount: else skipped.
source "$(dirname "$0")/kpid_lib.sh"

DISK=$WORK/disk
mkdir -p "$DISK"
if ! mount -t tmpfs -o size=4m tmpfs "$DISK" 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here (needs root)"
  exit 77
fi
extra_cleanup() { umount "$DISK" 2>/dev/null; }

NUMBER=0
post_numbered() {  # posts one blob with the next number; sets STATUS (no $(...): NUMBER)
  NUMBER=$((NUMBER + 1))
  printf '{"timestamp":1361404800000,"event_stream":[["picker",1]],"number_emails":%d}' "$NUMBER" >"$WORK/blob.json"
  local answer
  answer=$(post "$1" application/json "$WORK/blob.json")
  STATUS=${answer%% *}
  if [ "$STATUS" = 200 ]; then echo "$NUMBER" >>"$WORK/acked"; fi
}

run_phase() {  # run_phase NAME MIN_FREE
  local name=$1 data=$DISK/$1 i
  start_kpid "$name" "$data" --max-age 0 --seal-grace 0s --min-free-bytes "$2" --writer-id full
  local port
  port=$(eval echo "\$PORT_$name")
  for ((i = 0; i < 20; i++)); do
    post_numbered "$port"
    check "$name: post before filling" test "$STATUS" = 200
  done
  dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null  # runs until ENOSPC
  # Page slack in open files may take a few more records before ENOSPC.
  for ((i = 0; i < 500; i++)); do
    post_numbered "$port"
    [ "$STATUS" = 507 ] && break
    check "$name: a full disk gives 200 or 507, not $STATUS" test "$STATUS" = 200
  done
  check "$name: full disk answers 507" test "$STATUS" = 507
  check "$name: 507 carries Retry-After" test -n "$(header Retry-After)"
  # kpid(8): /healthz says disk_full whether the floor or a real ENOSPC found it.
  check "$name: /healthz says disk_full" test "$(curl -sS -o "$WORK/health" -w '%{http_code}' \
    "http://127.0.0.1:$port/healthz") $(jq -r .status "$WORK/health")" = "507 disk_full"
  rm -f "$DISK/filler"
  for ((i = 0; i < 100; i++)); do
    post_numbered "$port"
    [ "$STATUS" = 200 ] && break
    sleep 0.1
  done
  check "$name: accepts again once space is back (last $STATUS)" test "$STATUS" = 200
  for ((i = 0; i < 20; i++)); do
    post_numbered "$port"
    check "$name: post after freeing space" test "$STATUS" = 200
  done
  check "$name: /healthz ok again" \
    test "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200
  stop_kpid "$name"
  check "$name: kpid exits 0 (got $STOP_RC)" test "$STOP_RC" = 0
  dump_store "$data" | grep -o '"number_emails":[0-9]*' | cut -d: -f2 | sort -n >"$WORK/stored"
  sort -n "$WORK/acked" >"$WORK/acked.sorted"
  local missing dups
  missing=$(comm -23 "$WORK/acked.sorted" "$WORK/stored" | head -n 5 | tr '\n' ' ')
  check "$name: every acknowledged record is stored (missing: $missing)" test -z "$missing"
  dups=$(uniq -d "$WORK/stored" | head -n 5 | tr '\n' ' ')
  check "$name: nothing stored twice ($dups)" test -z "$dups"
  rm -rf "$data" "$WORK/acked"
}

run_phase floor 1M
run_phase enospc 0
echo PASS

#!/bin/bash
# Several kpid nodes, one logical store, without nginx (multi_node_test.sh
# puts nginx in front of the same layout): n1 and n2 each with a data
# directory of its own, n3 and n4 sharing a third; 2000 numbered blobs are
# posted straight to the four nodes in turn. kpictl scan and export over the
# three directories return every acknowledged record exactly once, in
# (timestamp, _id) order, while the nodes run and after they stop. Nodes
# sharing a directory write distinct files; a second kpid with a writer id
# already in use refuses to start (exit 2, naming the lock and its holder);
# compacting every directory keeps every record and id, byte for byte.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"

source "$(dirname "$0")/multi_node_lib.sh"

# --- the same writer id twice on one directory: refused, exit 2 ------------
rc=0
timeout 20 "$KPID" --data-dir "$S" --listen 127.0.0.1:0 --writer-id n3 "${node_opts[@]}" \
  >"$WORK/dup.out" 2>&1 || rc=$?
check "a second kpid with writer id n3 exits 2 (got $rc: $(cat "$WORK/dup.out"))" test "$rc" -eq 2
grep -q "writers/n3/lock" "$WORK/dup.out" || fail "the refusal does not name the writer's lock: $(cat "$WORK/dup.out")"
grep -q "pid $KPID_PID_n3" "$WORK/dup.out" || fail "the refusal does not name the holder's pid: $(cat "$WORK/dup.out")"
expect_alive n3

# --- 500 numbered blobs to each node ------------------------------------------
for ((round = 0; round < 4; round++)); do
  port_var=PORT_${NODES[round]}
  post_numbered_round "${!port_var}" $round
done
check "the nodes acknowledged all 2000 blobs (got $ACKED_BLOBS)" test "$ACKED_BLOBS" -eq 2000

ctl export >"$WORK/live.jsonl" || fail "export over three data dirs failed"
every_record_once "$WORK/live.jsonl" "the export while nodes run"

# --- stop the nodes; nothing acknowledged is lost -----------------------------
# kpid seals finished hours in the background (issue 16); the compaction below
# needs the shared dir's segments, so wait (at most 20 s) for the first one.
for ((i = 0; i < 200; i++)); do
  [ -n "$(find "$S/segments" -name '*.kpi.zst' 2>/dev/null)" ] && break
  sleep 0.1
done
for n in "${NODES[@]}"; do stop_kpid $n; done
ctl export >"$WORK/all.jsonl" || fail "export after stopping failed"
every_record_once "$WORK/all.jsonl" "the export after stopping"
check "stopping changed no record" cmp -s "$WORK/live.jsonl" "$WORK/all.jsonl"
ctl scan --by hour --json >"$WORK/scan.json" || fail "scan over three data dirs failed"
check "scan counts the 2000 records" \
  test "$(jq -s 'map(.records) | add' "$WORK/scan.json")" -eq 2000
check "scan counts hour by hour what export returns" test \
  "$(jq -c -s 'map({(.period): .records}) | add' "$WORK/scan.json")" = \
  "$(jq -c -s 'group_by(.timestamp / 3600000 | floor) | map({(.[0].timestamp / 1000 |
       strftime("%Y-%m-%dT%H")): length}) | add' "$WORK/all.jsonl")"

# The shared directory: both writers' files, named apart, each record in one.
find "$S/segments" "$S/wal" -type f >"$WORK/shared.files"
# The writer of each file: segments are <writer>-<seq>.kpi.zst, WALs (those
# kpid had not sealed yet when it stopped) <hour>-<writer>-<seq>.wal.
writers_of() { sed -E 's#.*/##; s#^[0-9]{8}T[0-9]{2}-##; s#-.*##' | sort -u | tr '\n' ' '; }
check "the shared dir holds files of n3 and n4: $(writers_of <"$WORK/shared.files")" \
  test "$(writers_of <"$WORK/shared.files")" = "n3 n4 "
check "no file name repeats in the shared dir" \
  test -z "$(sed 's#.*/##' "$WORK/shared.files" | sort | uniq -d)"
for d in "$A" "$B"; do
  check "$d holds only its own writer's files" \
    test "$(find "$d/segments" "$d/wal" -type f | writers_of | wc -w)" -eq 1
done

# --- compaction across writers --------------------------------------------------
for d in "$A" "$B" "$S"; do
  "$KPICTL" --data-dir "$d" compact >"$WORK/compact.out" 2>&1 ||
    fail "kpictl compact $d failed: $(cat "$WORK/compact.out")"
done
ctl export >"$WORK/compacted.jsonl" || fail "export after compaction failed"
check "compaction kept every record and id, byte for byte" \
  cmp -s "$WORK/all.jsonl" "$WORK/compacted.jsonl"
check "the shared dir's hours hold one compacted segment each" test -z \
  "$(find "$S/segments" -name '*.kpi.zst' ! -name 'compact-*')"
check "the shared dir has compacted segments" test -n \
  "$(find "$S/segments" -name 'compact-*.kpi.zst')"
echo "multi_dir_test: ok ($ACKED_BLOBS records onto 4 nodes, 3 data dirs, compacted)"

#!/bin/bash
# Several kpid nodes behind one nginx upstream (the packaged site and the
# cluster example): n1 and n2 each with a data directory of its own, n3 and
# n4 sharing a third. Every blob posted through nginx carries a unique
# number; nginx spreads them over all four nodes, and kpictl export over the
# three directories returns every acknowledged record exactly once, in
# (timestamp, _id) order. What needs no nginx (the writer-lock refusal, scan,
# the shared directory's files, compaction) is multi_dir_test.sh.
source "$(dirname "$0")/kpid_lib.sh"
source "$(dirname "$0")/nginx_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"

source "$(dirname "$0")/multi_node_lib.sh"

# --- one nginx upstream over the four nodes ---------------------------------
{
  echo "upstream kpid {"
  for n in n1 n2 n3 n4; do
    port_var=PORT_$n
    echo "    server 127.0.0.1:${!port_var} max_fails=3 fail_timeout=10s;"
  done
  sed -n '/^    keepalive /p' "$CLUSTER"
  echo "}"
} >"$WORK/cluster.conf"
NP=$(free_port)
site_for cluster "$NP" unused 1000r/s | sed -e '/^upstream kpid {/,/^}/d' >"$WORK/site.conf"
start_nginx cluster "$NP" "$WORK/cluster.conf" "$WORK/site.conf"

for ((round = 0; round < 4; round++)); do post_numbered_round "$NP" $round; done
check "nginx acknowledged all 2000 blobs (got $ACKED_BLOBS)" test "$ACKED_BLOBS" -eq 2000

ctl export >"$WORK/live.jsonl" || fail "export over three data dirs failed"
every_record_once "$WORK/live.jsonl" "the export while nodes run"

# --- stop the nodes; nothing acknowledged is lost -----------------------------
for n in n1 n2 n3 n4; do stop_kpid $n; done
ctl export >"$WORK/all.jsonl" || fail "export after stopping failed"
every_record_once "$WORK/all.jsonl" "the export after stopping"
check "stopping changed no record" cmp -s "$WORK/live.jsonl" "$WORK/all.jsonl"
echo "multi_node_test: ok ($ACKED_BLOBS records through nginx onto 4 nodes)"

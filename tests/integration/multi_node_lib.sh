# The four-node layout of multi_node_test.sh and multi_dir_test.sh (sourced
# after kpid_lib.sh): n1 and n2 each with a data directory of its own ($A,
# $B), n3 and n4 sharing a third ($S), all started here.
# post_numbered_round PORT ROUND   posts blobs ROUND*500 .. ROUND*500+499
#                                  (batches of 20, three hours from $START);
#                                  adds what was acknowledged to $ACKED_BLOBS
# ctl ARGS...                      kpictl over the three data dirs
# every_record_once EXPORT WHAT    fails unless EXPORT is the 2000 blobs once
#                                  each, in order, from all four writers
A=$WORK/a
B=$WORK/b
S=$WORK/shared
START=1361440800000  # 2013-02-21T10:00Z; blobs spread over three hours
NODES=(n1 n2 n3 n4)
ACKED_BLOBS=0
# One CSRF secret for the four nodes: a token one node issued (a GET through
# nginx) verifies on whichever node nginx sends the POST to.
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/csrf.key")
node_opts=(--max-age 0 --seal-grace 0s --schema "$KPI_SOURCE_DIR/packaging/schema.json"
  --csrf-secret-file "$WORK/csrf.key")
start_kpid n1 "$A" --writer-id n1 "${node_opts[@]}"
start_kpid n2 "$B" --writer-id n2 "${node_opts[@]}"
start_kpid n3 "$S" --writer-id n3 "${node_opts[@]}"
start_kpid n4 "$S" --writer-id n4 "${node_opts[@]}"

post_numbered_round() {
  local n
  n=$(python3 "$KPI_SOURCE_DIR/tests/integration/kpi_post_blobs.py" "$1" 500 --batch 20 \
    --seed "$2" --start $START --hours 3 --numbered $(($2 * 500))) ||
    fail "posting round $2 to port $1 failed"
  ACKED_BLOBS=$((ACKED_BLOBS + n))
}

ctl() { "$KPICTL" --data-dir "$A" --data-dir "$B" --data-dir "$S" "$@"; }

every_record_once() {
  python3 "$KPI_SOURCE_DIR/tests/integration/kpi_every_record_once.py" "$1" 2000 "${NODES[@]}" ||
    fail "$2 is not every record once"
}

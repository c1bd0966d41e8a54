#!/bin/bash
# kpictl ship at scale, the setup docs/engines.md §8 describes: two kpid
# nodes behind nginx (the packaged cluster site), each with its own data
# directory; two clickhouse-servers as two shards, the first also the entry
# server with the cluster in its config and the Distributed table (sharded by
# cityHash64(_id)), all tables created with the SQL of docs/engines.md. One
# kpictl ship reads both data directories. The distributed counts per hour,
# the record ids and a group-by equal kpictl scan/export over both stores;
# both shards hold rows; a purge in both stores is deleted on both shards.
source "$(dirname "$0")/kpid_lib.sh"
source "$(dirname "$0")/nginx_lib.sh"
source "$(dirname "$0")/clickhouse_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"

# --- ClickHouse: two shards, the cluster declared on the first ---------------
start_clickhouse s2
cat >"$WORK/cluster.xml" <<EOF
  <remote_servers><kpi_cluster>
    <shard><replica><host>127.0.0.1</host><port>@TCP_PORT@</port></replica></shard>
    <shard><replica><host>127.0.0.1</host><port>$CH_TCP_s2</port></replica></shard>
  </kpi_cluster></remote_servers>
EOF
start_clickhouse s1 "$WORK/cluster.xml"
check "the entry server sees a cluster of 2 shards" \
  test "$(ch s1 "SELECT count() FROM system.clusters WHERE cluster = 'kpi_cluster'")" -eq 2

# The tables, with the SQL docs/engines.md gives: its sql blocks that create them.
doc_sql() {  # doc_sql PATTERN: the ```sql block of docs/engines.md holding PATTERN
  awk -v pat="$1" '/^ *```sql$/ {inside = 1; block = ""; next}
    inside && /^ *```$/ {inside = 0; if (index(block, pat)) print block; next}
    inside {block = block $0 "\n"}' "$KPI_SOURCE_DIR/docs/engines.md"
}
LOCAL_SQL=$(doc_sql 'CREATE TABLE IF NOT EXISTS kpi_records (' | sed 's/kpi_records/kpi_local/')
DIST_SQL=$(doc_sql 'ENGINE = Distributed')
[ -n "$LOCAL_SQL" ] && [ -n "$DIST_SQL" ] || fail "docs/engines.md lacks the CREATE TABLE statements"
ch s1 "$LOCAL_SQL" >/dev/null
ch s2 "$LOCAL_SQL" >/dev/null
ch s1 "$DIST_SQL" >/dev/null

# --- two kpid nodes behind nginx ----------------------------------------------
A=$WORK/a
B=$WORK/b
# One CSRF secret for both nodes: a token one issued verifies on the other.
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/csrf.key")
node_opts=(--max-age 0 --seal-grace 0s --schema "$KPI_SOURCE_DIR/packaging/schema.json"
  --csrf-secret-file "$WORK/csrf.key")
start_kpid n1 "$A" --writer-id n1 "${node_opts[@]}"
start_kpid n2 "$B" --writer-id n2 "${node_opts[@]}"
{
  echo "upstream kpid {"
  echo "    server 127.0.0.1:$PORT_n1 max_fails=3 fail_timeout=10s;"
  echo "    server 127.0.0.1:$PORT_n2 max_fails=3 fail_timeout=10s;"
  sed -n '/^    keepalive /p' "$CLUSTER"
  echo "}"
} >"$WORK/upstream.conf"
NP=$(free_port)
site_for cluster "$NP" unused 1000r/s | sed -e '/^upstream kpid {/,/^}/d' >"$WORK/site.conf"
start_nginx cluster "$NP" "$WORK/upstream.conf" "$WORK/site.conf"
START=1361440800000  # 2013-02-21T10:00Z, over 4 hours
n=$(python3 "$KPI_SOURCE_DIR/tests/integration/kpi_post_blobs.py" "$NP" 1200 --batch 20 \
  --seed 3 --start $START --hours 4 --numbered 0) || fail "posting through nginx failed"
check "nginx acknowledged the 1200 blobs (got $n)" test "$n" -eq 1200

# The hours are long over: with --seal-grace 0s the nodes seal them soon.
for ((i = 0; i < 400; i++)); do
  [ -z "$(find "$A/wal" "$B/wal" -name '*.wal' 2>/dev/null)" ] && break
  sleep 0.05
done
[ -z "$(find "$A/wal" "$B/wal" -name '*.wal')" ] || fail "the nodes did not seal within 20 s"
for d in "$A" "$B"; do
  check "$d has segments" test -n "$(find "$d/segments" -name '*.kpi.zst')"
done

# --- ship both data directories into the cluster ------------------------------
printf 'kpi:%s\n' "$CH_PASSWORD" >"$WORK/creds"
chmod 600 "$WORK/creds"
ship() {
  "$KPICTL" --data-dir "$A" --data-dir "$B" ship --clickhouse "$CH_URL_s1" \
    --credentials-file "$WORK/creds" --state-file "$WORK/state" --cluster kpi_cluster \
    --shard "$CH_URL_s1" --shard "$CH_URL_s2" --local-table kpi_local >"$WORK/out" 2>"$WORK/err" ||
    fail "kpictl ship: $(cat "$WORK/err")"
}
ctl() { "$KPICTL" --data-dir "$A" --data-dir "$B" "$@"; }

# same_as_stores: the distributed table, with FINAL, equals kpictl over both stores.
same_as_stores() {
  ctl scan --by hour --json | jq -r 'select(.records > 0) | "\(.start_ms)\t\(.records)"' >"$WORK/want"
  ch s1 "SELECT intDiv(timestamp, 3600000) * 3600000 AS h, count() FROM kpi_records FINAL
         GROUP BY h ORDER BY h" >"$WORK/got"
  diff "$WORK/want" "$WORK/got" >&2 || fail "distributed counts per hour differ from kpictl scan"
  ctl export >"$WORK/all.jsonl"
  jq -r '._id' "$WORK/all.jsonl" | sort >"$WORK/want"
  # 18.16 answers a FINAL over a Distributed table only when the query reads
  # the sorting key ("Cannot find column timestamp"): name timestamp.
  ch s1 "SELECT _id, timestamp FROM kpi_records FINAL" | cut -f1 | sort >"$WORK/got"
  cmp -s "$WORK/want" "$WORK/got" || fail "the distributed table's ids differ from kpictl export's"
  jq -r '"\(.language // "\\N")\t\(.number_emails)"' "$WORK/all.jsonl" |
    awk -F'\t' '{n[$1]++; s[$1] += $2} END {for (l in n) print l "\t" n[l] "\t" s[l]}' | sort >"$WORK/want"
  ch s1 "SELECT language, count(), sum(number_emails) FROM kpi_records FINAL
         WHERE timestamp >= 0 GROUP BY language" |
    sort >"$WORK/got"
  diff "$WORK/want" "$WORK/got" >&2 || fail "records and emails per language differ from the export's"
}

ship
check "4 hours shipped ($(cat "$WORK/out"))" test "$(grep -c '^shipped ' "$WORK/out")" -eq 4
same_as_stores
local1=$(ch s1 "SELECT count() FROM kpi_local FINAL")
local2=$(ch s2 "SELECT count() FROM kpi_local FINAL")
check "both shards hold rows ($local1 + $local2)" test "$local1" -gt 0 -a "$local2" -gt 0
check "the shards hold the 1200 records between them" test $((local1 + local2)) -eq 1200
check "no record is on both shards" test "$(ch s1 "SELECT count() FROM kpi_local WHERE _id IN
  (SELECT _id FROM remote('127.0.0.1:$CH_TCP_s2', default, kpi_local))")" -eq 0

# Shipped again without state: still every record once with FINAL.
rm "$WORK/state"
ship
check "all 4 hours reshipped" test "$(grep -c '^reshipped ' "$WORK/out")" -eq 4
same_as_stores

# --- a purge in both stores is deleted on both shards -------------------------
for d in "$A" "$B"; do
  "$KPICTL" --data-dir "$d" purge 2013-02-21T10 >/dev/null 2>&1 || fail "purge of $d failed"
done
ship
grep -qx 'dropped 2013-02-21T10' "$WORK/out" || fail "the purged hour was not dropped: $(cat "$WORK/out")"
for s in s1 s2; do
  check "shard $s holds nothing of the purged hour" \
    test "$(ch $s "SELECT count() FROM kpi_local WHERE timestamp < $((START + 3600000))")" -eq 0
done
same_as_stores
echo "ok ($local1 + $local2 records on the two shards)"

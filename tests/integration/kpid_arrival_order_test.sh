#!/bin/bash
# Arrival order is not recoverable once sealed (issue 13, point 4), through a
# real kpid: 2000 single-blob POSTs into one 10-minute bucket, then 300 POSTs
# of two blobs each into another. The buckets are the current one and the
# one before, so that one WAL takes each hour's records (a finished hour's WAL
# would be closed every seal pass, and a new file starts a new block); a
# restart then seals them. Once no WAL is left (so no order key: wal.md §3.1):
#   - the Spearman rank correlation between arrival order and export order,
#     and between arrival order and id order, is below 0.1 in absolute value;
#   - the two blobs of one POST sit side by side in the export no more often
#     than chance (about once in 300 posts; the test allows 8);
#   - ids are unique.
# 2000 rather than the issue's 1000 posts: with a random order |rho| has a
# standard deviation of 1/sqrt(n-1), so 0.1 is 4.5 of them (a false failure
# about once in 10^5 runs) instead of 3.2 (once in 700).
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}"

D=$WORK/data
start_kpid a "$D" --max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id order
BUCKET_MS=$(( $(date +%s) / 600 * 600000 ))
PYTHONPATH=$KPI_SOURCE_DIR/tests/integration python3 - "$PORT_a" "$BUCKET_MS" <<'PY' || fail "posting failed"
import sys
from kpi_csrf import IngestClient
port, bucket = int(sys.argv[1]), int(sys.argv[2])
client = IngestClient(port)

def post(blobs):
    answer = client.post(blobs)
    assert answer["stored"] == len(blobs), answer

def blob(number, ts):
    return {"timestamp": ts, "event_stream": [["picker", 1]], "number_emails": number}

for i in range(2000):  # the current bucket
    post([blob(i, bucket + 1000 + i)])
for j in range(300):   # the bucket before
    post([blob(5000 + 2 * j, bucket - 1000), blob(5000 + 2 * j + 1, bucket - 1000)])
PY
check "one WAL per hour took the records: $(ls "$D/wal")" test "$(ls "$D/wal" | wc -l)" -le 2
stop_kpid a
start_kpid a "$D" --max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id order
for ((i = 0; i < 1200; i++)); do  # the seal thread's pass: every 2 s
  [ -z "$(ls "$D/wal")" ] && break
  sleep 0.05
done
check "kpid sealed every WAL within 60 s (no order key left)" test -z "$(ls "$D/wal")"
check "the sealed hour has a segment" test "$(segments_in "$D")" -ge 1
"$KPICTL" --data-dir "$D" export >"$WORK/export" 2>"$WORK/err" || fail "export: $(cat "$WORK/err")"

python3 - "$WORK/export" <<'PY' || fail "arrival order is recoverable"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
assert len(records) == 2600, len(records)
ids = [r["_id"] for r in records]
assert len(set(ids)) == len(ids), "ids repeat"

def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0] * len(values)
    for rank, i in enumerate(order):
        r[i] = rank
    return r

def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    n = len(x)
    d2 = sum((a - b) ** 2 for a, b in zip(rx, ry))
    return 1 - 6 * d2 / (n * (n * n - 1))

singles = [r for r in records if r["number_emails"] < 5000]
assert len(singles) == 2000, len(singles)
arrival = [r["number_emails"] for r in singles]
export_position = list(range(len(singles)))
id_seq = [int(r["_id"].rsplit("-", 1)[1], 16) for r in singles]
rho_export, rho_ids = spearman(arrival, export_position), spearman(arrival, id_seq)
print("rho(arrival, export order) = %.4f, rho(arrival, id order) = %.4f" % (rho_export, rho_ids))
failed = abs(rho_export) >= 0.1 or abs(rho_ids) >= 0.1

pairs = [r["number_emails"] for r in records if r["number_emails"] >= 5000]
assert len(pairs) == 600, len(pairs)
adjacent = sum(1 for a, b in zip(pairs, pairs[1:]) if a // 2 == b // 2)
print("blobs of one POST side by side: %d of 300 (chance: about 1)" % adjacent)
failed = failed or adjacent > 8
sys.exit(1 if failed else 0)
PY
stop_kpid a
echo "PASS: arrival order is not recoverable from ids or export order after sealing"

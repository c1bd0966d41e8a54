#!/bin/bash
# kpictl's options that no other test passes, each checked by its effect
# (option_coverage_test.sh lists them): --quiet; ls states compacted,
# superseded and sealed-wal; export --output/--zstd-level/--no-progress;
# sample --where with a range; tail --follow/--lookback; compact RANGE with
# --zstd-level/--block-size; purge --max-disk-bytes with several limits at
# once; exit 2 on an I/O error.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}" "${KPI_BINARY_DIR:?}"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
BLOCKS="python3 $KPI_SOURCE_DIR/tests/integration/kpi_damage.py blocks"

S=$WORK/store
"$MKSTORE" --data-dir "$S" --records 1200 --hours 4 --from 2026-01-01 --writer a1 --seed 1 \
  --wal-hours 1 >/dev/null || fail "kpi-mkstore failed"
"$MKSTORE" --data-dir "$S" --records 400 --hours 3 --from 2026-01-01 --writer b2 --seed 2 \
  >/dev/null || fail "kpi-mkstore failed"
ctl() { "$KPICTL" --data-dir "$S" "$@"; }
# run CODE NAME CMD...: CMD exits CODE; stdout in $WORK/out, stderr in $WORK/err.
run() {
  local code=$1 name=$2 got=0
  shift 2
  "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
  [ "$got" = "$code" ] || fail "$name: exit $got, expected $code: $(head -c 600 "$WORK/err")"
}
ctl export >"$WORK/all.jsonl"
check "the store holds 1600 records" test "$(wc -l <"$WORK/all.jsonl")" = 1600

# --- export --output FILE.zst --zstd-level --no-progress ----------------------------
run 0 "export --output" ctl export --output "$WORK/all.jsonl.zst" --zstd-level 19 --no-progress
check "export --no-progress writes nothing on stderr" test ! -s "$WORK/err"
check "export --output FILE.zst holds the export" cmp -s <(zstd -dc "$WORK/all.jsonl.zst") "$WORK/all.jsonl"
run 0 "export level 1" ctl export --output "$WORK/fast.jsonl.zst" --zstd-level 1
check "--zstd-level 19 is smaller than 1" \
  test "$(stat -c %s "$WORK/all.jsonl.zst")" -lt "$(stat -c %s "$WORK/fast.jsonl.zst")"
run 1 "export --zstd-level 40" ctl export --output "$WORK/x.zst" --zstd-level 40

# --- exit 2 on an I/O error: the output cannot be written ------------------------
mkdir "$WORK/a-dir"
run 2 "export --output onto a directory" ctl export --output "$WORK/a-dir"
grep -q "$WORK/a-dir" "$WORK/err" || fail "the I/O error does not name the file: $(cat "$WORK/err")"

# --- sample --where with a range --------------------------------------------------
run 0 "sample --where" ctl sample 2026-01-01T01 2026-01-01T03 -n 20 --seed 5 --where language=en-US
check "sample -n 20 printed 20 records" test "$(wc -l <"$WORK/out")" = 20
check "every sampled record has language en-US" \
  test "$(jq -r .language "$WORK/out" | sort -u)" = en-US
check "every sampled record is inside the range" test "$(jq -r \
  'select(.timestamp < 1767229200000 or .timestamp >= 1767236400000) | ._id' "$WORK/out")" = ""

# --- compact RANGE --zstd-level --block-size, and ls states ---------------------------
cp "$S"/segments/2026/01/01/01/a1-*.kpi.zst "$WORK/"  # an input, to put back below
run 0 "compact one hour" ctl compact 2026-01-01T01 --zstd-level 5 --block-size 16K
check "compact RANGE compacted that hour only: $(cat "$WORK/out")" \
  test "$(grep -c ' -> compact-' "$WORK/out")" = 1
compacted=$(ls "$S"/segments/2026/01/01/01/compact-*.kpi.zst)
check "--block-size 16K: the compacted hour has several blocks" test "$($BLOCKS "$compacted")" -ge 3
check "the other hours are untouched" \
  test -z "$(find "$S/segments" -name 'compact-*' ! -path '*/01/01/01/*')"
cp "$WORK"/a1-*.kpi.zst "$S"/segments/2026/01/01/01/  # an input the compaction superseded
run 0 "ls" ctl ls --json
for state in sealed compacted superseded open-wal; do
  jq -r .state "$WORK/out" | grep -qx "$state" || fail "ls shows no $state file: $(cat "$WORK/out")"
done
check "a superseded input is not counted twice" test "$(ctl export | wc -l)" = 1600

# A WAL whose segment exists (kpid sealed it; the copy put back): sealed-wal.
cp "$S"/wal/*.wal "$WORK/"
python3 "$KPI_SOURCE_DIR/tests/integration/kpi_damage.py" writer-seq "$S" a1 $((1 << 20))
start_kpid seal "$S" --writer-id a1 --max-age 0 --seal-grace 0s --min-free-bytes 0
stop_kpid seal
cp "$WORK"/*.wal "$S/wal/"
run 0 "ls after the seal" ctl ls
grep -q ' sealed-wal ' "$WORK/out" || fail "ls shows no sealed-wal file: $(cat "$WORK/out")"
check "a sealed WAL is not counted twice" test "$(ctl export | wc -l)" = 1600

# --- --quiet ------------------------------------------------------------------------
run 0 "compact, notes" ctl compact
check "compact notes hours already compact on stderr" test -s "$WORK/err"
run 0 "--quiet compact" "$KPICTL" --quiet --data-dir "$S" compact
check "--quiet: no note on stderr" test ! -s "$WORK/err"

# --- purge --max-disk-bytes with several limits at once -------------------------------
run 0 "purge, several limits" ctl purge --dry-run --max-disk-bytes 1T --keep-free-percent 0 \
  --before 2026-01-01T02
check "the limits combine: --before selects two hours: $(cat "$WORK/out")" \
  test "$(grep -c '^would remove ' "$WORK/out")" = 2
run 0 "purge --max-disk-bytes" ctl purge --max-disk-bytes 1 --before 2026-01-01T01
check "--max-disk-bytes 1 removes every closed hour: $(cat "$WORK/out")" \
  test "$(grep -c '^removed ' "$WORK/out")" = 3
check "the hour with a WAL stays" test "$(ctl export | wc -l)" -gt 0

# --- tail --follow --lookback ---------------------------------------------------------
T=$WORK/tailed
"$MKSTORE" --data-dir "$T" --records 10 --hours 1 --from -1h --writer c3 --seed 3 >/dev/null
"$KPICTL" --data-dir "$T" tail --follow -n 0 --lookback 3h --poll 50ms >"$WORK/tail.out" \
  2>"$WORK/tail.err" &
TAIL=$!
STARTED_PIDS+=("$TAIL")
sleep 0.5
"$MKSTORE" --data-dir "$T" --records 5 --hours 1 --from -2h --writer d4 --seed 4 >/dev/null
for ((i = 0; i < 100; i++)); do
  [ "$(wc -l <"$WORK/tail.out")" -ge 5 ] && break
  sleep 0.1
done
kill -TERM "$TAIL"
wait_bounded "$TAIL" 10 "tail --follow"
check "tail --follow --lookback 3h printed the 5 records sealed 2 h back: $(cat "$WORK/tail.err")" \
  test "$(grep -c '"_id":"d4-' "$WORK/tail.out")" = 5
check "and none of the records there before it began" test "$(grep -c '"_id":"c3-' "$WORK/tail.out")" = 0
echo PASS

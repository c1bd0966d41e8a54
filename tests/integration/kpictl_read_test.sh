#!/bin/bash
# kpictl's read commands (ls, scan, export, sample, verify, tail) on stores
# written by bench/kpi-mkstore: for each, stdout, stderr and the exit code are
# checked separately, for success, for bad input (exit 1), for a missing
# store (exit 2) and for damaged data (exit 3).
set -u
: "${KPICTL:?KPICTL must name the kpictl binary}"
: "${KPI_BINARY_DIR:?KPI_BINARY_DIR must name the build directory}"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
[ -x "$MKSTORE" ] || { echo "skip: $MKSTORE not built"; exit 77; }
for tool in jq zstd; do
  command -v $tool >/dev/null || { echo "skip: no $tool"; exit 77; }
done

WORK=$(mktemp -d)
source "$(dirname "$0")/sanitizer_lib.sh"
sanitizer_reports_to "$WORK/sanitizer"
TAIL_PID=
cleanup() {
  local rc=$?
  [ -n "$TAIL_PID" ] && kill "$TAIL_PID" 2>/dev/null
  check_sanitizer_reports || rc=1
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
# expect CODE NAME -- CMD...: runs CMD with stdout and stderr captured in
# $WORK/out and $WORK/err and checks its exit code.
expect() {
  local code=$1 name=$2
  shift 3
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  [ "$got" -eq "$code" ] || fail "$name: exit $got, expected $code; stderr: $(head -c 600 "$WORK/err")"
}
lines() { wc -l <"$1" | tr -d ' '; }
stderr_empty() { [ -s "$WORK/err" ] && fail "$1: unexpected stderr: $(head -c 400 "$WORK/err")"; }

A=$WORK/a
B=$WORK/b
"$MKSTORE" --data-dir "$A" --records 600 --hours 3 --from 2026-11-29T18 --writer a1 \
  --wal-hours 1 --block-bytes 8192 >/dev/null || { echo "kpi-mkstore failed"; exit 1; }
"$MKSTORE" --data-dir "$B" --records 300 --hours 2 --from 2026-11-29T19 --writer b2 \
  --seed 9 >/dev/null || { echo "kpi-mkstore failed"; exit 1; }
ctl() { "$KPICTL" --data-dir "$A" "$@"; }
both() { "$KPICTL" --data-dir "$A" --data-dir "$B" "$@"; }

# --- ls -----------------------------------------------------------------------
expect 0 "ls" -- ctl ls
stderr_empty "ls"
grep -q '^hour .*state .*records' "$WORK/out" || fail "ls: no header"
[ "$(grep -c ' sealed ' "$WORK/out")" -eq 2 ] || fail "ls: expected 2 sealed segments"
[ "$(grep -c ' open-wal ' "$WORK/out")" -eq 1 ] || fail "ls: expected 1 open WAL"
grep -q '^total .* 3 files *600 ' "$WORK/out" || fail "ls: total line: $(tail -1 "$WORK/out")"
expect 0 "ls --json" -- both ls --json
[ "$(jq -s 'map(.records) | add' "$WORK/out")" -eq 900 ] || fail "ls --json: records do not add up to 900"
[ "$(jq -r .state "$WORK/out" | sort -u | tr '\n' ' ')" = "open-wal sealed " ] || fail "ls --json: states"
expect 0 "ls of one hour" -- ctl ls 2026-11-29T19
[ "$(grep -c '^2026-11-29T19 ' "$WORK/out")" -eq 1 ] || fail "ls 2026-11-29T19: one file expected"

# --- scan ---------------------------------------------------------------------
expect 0 "scan" -- both scan
stderr_empty "scan"
grep -q '^total *900 ' "$WORK/out" || fail "scan: total: $(tail -1 "$WORK/out")"
[ "$(grep -c '^2026-11-29T' "$WORK/out")" -eq 3 ] || fail "scan: expected 3 hours"
expect 0 "scan --by day --json" -- both scan --by day --json
[ "$(lines "$WORK/out")" -eq 1 ] || fail "scan --by day: one day expected"
[ "$(jq .records "$WORK/out")" -eq 900 ] || fail "scan --by day: 900 records"
[ "$(jq -r .period "$WORK/out")" = 2026-11-29 ] || fail "scan --by day: period name"
expect 0 "scan --where" -- both scan --where language=en-US --json
filtered=$(jq -s 'map(.records) | add // 0' "$WORK/out")
both export --where language=en-US >"$WORK/en.jsonl"
[ "$filtered" -eq "$(lines "$WORK/en.jsonl")" ] || fail "scan --where: $filtered != export --where"
[ "$filtered" -gt 0 ] || fail "scan --where language=en-US matched nothing"
expect 0 "scan of a range cutting hours" -- both scan 2026-11-29T18:30Z..2026-11-29T19:30Z --json
cut=$(jq -s 'map(.records) | add' "$WORK/out")
[ "$cut" -eq "$(both export 2026-11-29T18:30Z 2026-11-29T19:30Z | wc -l)" ] || fail "scan of a cut range"
expect 1 "scan --by week" -- ctl scan --by week
[ -s "$WORK/out" ] && fail "scan --by week: stdout must stay empty"

# --- export -------------------------------------------------------------------
expect 0 "export" -- both export
stderr_empty "export"
[ "$(lines "$WORK/out")" -eq 900 ] || fail "export: 900 lines expected"
jq -r '"\(.timestamp) \(._id)"' "$WORK/out" >"$WORK/keys"
sort -c -k1,1n -k2,2 "$WORK/keys" 2>/dev/null || fail "export: not in (timestamp, _id) order"
[ "$(cut -d' ' -f2 "$WORK/keys" | sort -u | wc -l)" -eq 900 ] || fail "export: duplicate ids"
cp "$WORK/out" "$WORK/all.jsonl"
seg=$(ls "$A"/segments/2026/11/29/18/*.kpi.zst)
zstdcat "$seg" | sort >"$WORK/seg.sorted"
sort "$WORK/all.jsonl" | comm -23 "$WORK/seg.sorted" - | grep -q . &&
  fail "export: a stored line of $seg is not exported byte for byte"
expect 0 "export -o .jsonl.zst" -- both export -o "$WORK/x.jsonl.zst"
[ -s "$WORK/out" ] && fail "export -o: stdout must stay empty"
zstdcat "$WORK/x.jsonl.zst" | cmp -s - "$WORK/all.jsonl" || fail "export -o x.jsonl.zst differs"
expect 0 "export -o .jsonl" -- both export -o "$WORK/x.jsonl"
cmp -s "$WORK/x.jsonl" "$WORK/all.jsonl" || fail "export -o x.jsonl differs"
ls -a "$WORK" | grep -q '\.tmp$' && fail "export left a temporary file"
expect 0 "export --fields" -- both export 2026-11-29T19 --fields language,timestamp
[ "$(jq -c keys_unsorted "$WORK/out" | sort -u)" = '["_id","timestamp","language"]' ] ||
  fail "export --fields: members $(jq -c keys_unsorted "$WORK/out" | sort -u | head -3)"
expect 0 "export --fields -_id" -- ctl export --fields language,-_id
[ "$(jq -c keys "$WORK/out" | sort -u)" = '["language"]' ] || fail "export --fields -_id"
expect 0 "export one hour" -- both export 2026-11-29T19
[ "$(lines "$WORK/out")" -eq "$(jq -r 'select(.timestamp >= 1795978800000 and .timestamp < 1795982400000) | ._id' "$WORK/all.jsonl" | wc -l)" ] ||
  fail "export 2026-11-29T19: wrong count"
expect 0 "export --progress" -- ctl export --progress
grep -q 'records' "$WORK/err" || fail "export --progress: no progress line on stderr"
expect 0 "export of an empty range" -- ctl export 2020-01-01
[ -s "$WORK/out" ] && fail "export of an empty range printed records"
expect 1 "export with a bad range" -- ctl export 2026-13-01
grep -q "^kpictl: time '2026-13-01': .*; " "$WORK/err" || fail "bad range: message: $(cat "$WORK/err")"
[ "$(lines "$WORK/err")" -eq 1 ] || fail "bad range: one line on stderr expected"
expect 1 "export with a bad --where" -- ctl export --where language
grep -q "^kpictl: where clause 'language': no operator" "$WORK/err" || fail "bad --where: $(cat "$WORK/err")"
expect 1 "export with an unknown option" -- ctl export --bogus
expect 2 "export from a missing store" -- "$KPICTL" --data-dir "$WORK/missing" export
grep -q "^kpictl: data dir $WORK/missing: .*; check --data-dir" "$WORK/err" ||
  fail "missing store: message: $(cat "$WORK/err")"
[ -s "$WORK/out" ] && fail "missing store: stdout must stay empty"
expect 1 "export without a data dir" -- env KPICTL_CONFIG="$WORK/none.conf" "$KPICTL" export
grep -q "no data directory" "$WORK/err" || fail "no data dir: message: $(cat "$WORK/err")"

# --config: kpid's own config file, keys kpictl does not know are ignored.
cat >"$WORK/kpid.conf" <<CONF
# kpid settings
data-dir = $A
listen = 127.0.0.1:9
sync = batch
CONF
expect 0 "--config" -- "$KPICTL" --config "$WORK/kpid.conf" scan --json
[ "$(jq -s 'map(.records) | add' "$WORK/out")" -eq 600 ] || fail "--config: store A has 600 records"

# --- sample -------------------------------------------------------------------
expect 0 "sample -n" -- both sample -n 25 --seed 3
stderr_empty "sample --seed"
[ "$(lines "$WORK/out")" -eq 25 ] || fail "sample -n 25: 25 lines expected"
cp "$WORK/out" "$WORK/s1"
both sample -n 25 --seed 3 >"$WORK/s2"
cmp -s "$WORK/s1" "$WORK/s2" || fail "sample: the same seed gave another sample"
both sample -n 25 --seed 4 >"$WORK/s3"
cmp -s "$WORK/s1" "$WORK/s3" && fail "sample: another seed gave the same sample"
grep -vxFf "$WORK/all.jsonl" "$WORK/s1" | grep -q . && fail "sample: a line that export does not have"
expect 0 "sample --fraction" -- both sample --fraction 0.5 --seed 1
n=$(lines "$WORK/out")
{ [ "$n" -gt 350 ] && [ "$n" -lt 550 ]; } || fail "sample --fraction 0.5 kept $n of 900"
expect 0 "sample without a seed" -- ctl sample -n 2
grep -q "^kpictl: sample seed [0-9]* (give --seed" "$WORK/err" || fail "sample: seed not reported"
expect 1 "sample without -n or --fraction" -- ctl sample
grep -q "^kpictl: sample: give exactly one of -n N and --fraction P" "$WORK/err" ||
  fail "sample: message: $(cat "$WORK/err")"
expect 1 "sample with both" -- ctl sample -n 3 --fraction 0.5

# --- verify -------------------------------------------------------------------
expect 0 "verify" -- both verify
stderr_empty "verify"
grep -q "^verified 4 segments (.* blocks), 1 WALs, 900 records: 0 damaged, 0 warnings$" "$WORK/out" ||
  fail "verify: summary: $(cat "$WORK/out")"
D=$WORK/damaged
cp -r "$A" "$D"
dseg=$(ls "$D"/segments/2026/11/29/18/*.kpi.zst)
printf '\xde\xad\xbe\xef' | dd of="$dseg" bs=1 seek=3000 conv=notrunc 2>/dev/null
printf 'torn' >>"$(ls "$D"/wal/*.wal)"
expect 3 "verify of a damaged store" -- "$KPICTL" --data-dir "$D" verify
grep -q "^kpictl: damaged: $dseg: block [0-9]* at offset [0-9]*: block: " "$WORK/err" ||
  fail "verify: damage not reported with file and offset: $(cat "$WORK/err")"
grep -q "^kpictl: warning: .*\.wal: offset [0-9]*: torn: torn tail" "$WORK/err" ||
  fail "verify: torn WAL tail not reported as a warning: $(cat "$WORK/err")"
grep -q " 1 damaged, 1 warnings$" "$WORK/out" || fail "verify: summary: $(cat "$WORK/out")"
expect 3 "export of a damaged store" -- "$KPICTL" --data-dir "$D" export
n=$(lines "$WORK/out")
{ [ "$n" -gt 0 ] && [ "$n" -lt 600 ]; } || fail "export of a damaged store: $n lines"
grep -q "^kpictl: damaged: $dseg" "$WORK/err" || fail "export: skipped block not reported"
expect 0 "export -q hides warnings" -- "$KPICTL" -q --data-dir "$D" export 2026-11-29T20
stderr_empty "export -q of the hour with the torn WAL"

# --- tail ---------------------------------------------------------------------
expect 0 "tail -n 5" -- ctl tail -n 5
stderr_empty "tail"
[ "$(jq -r ._id "$WORK/out" | tr '\n' ' ')" = "a1-0000000000000254 a1-0000000000000255 a1-0000000000000256 a1-0000000000000257 a1-0000000000000258 " ] ||
  fail "tail -n 5: a1's seqs 596..600 in arrival order expected: $(jq -r ._id "$WORK/out" | tr '\n' ' ')"
expect 0 "tail -n 5 of two stores" -- both tail -n 5
[ "$(lines "$WORK/out")" -eq 5 ] || fail "tail -n 5: 5 lines expected"
C=$WORK/tail.cursor
expect 0 "tail with a new cursor" -- ctl tail -n 3 --cursor-file "$C"
[ "$(lines "$WORK/out")" -eq 3 ] && [ -s "$C" ] || fail "tail --cursor-file: 3 lines and a cursor"
expect 0 "tail with a cursor, nothing new" -- ctl tail --cursor-file "$C"
[ -s "$WORK/out" ] && fail "tail --cursor-file printed old records"
"$MKSTORE" --data-dir "$A" --records 7 --hours 1 --from now --writer a1 --first-seq 1000 \
  --wal-hours 1 >/dev/null
expect 0 "tail with a cursor after new records" -- ctl tail --cursor-file "$C"
[ "$(lines "$WORK/out")" -eq 7 ] || fail "tail --cursor-file: the 7 new records expected, got $(lines "$WORK/out")"

# tail -f: follows records written after it started, until SIGTERM.
"$KPICTL" --data-dir "$A" tail -n 0 -f --poll 50ms --cursor-file "$C" \
  >"$WORK/follow" 2>"$WORK/follow.err" &
TAIL_PID=$!
"$MKSTORE" --data-dir "$A" --records 11 --hours 1 --from now --writer a1 --first-seq 2000 \
  --wal-hours 1 >/dev/null
for _ in $(seq 200); do
  [ "$(lines "$WORK/follow")" -ge 11 ] && break
  sleep 0.05
done
kill -TERM "$TAIL_PID"
wait "$TAIL_PID"
code=$?
TAIL_PID=
[ "$code" -eq 0 ] || fail "tail -f: exit $code after SIGTERM"
[ "$(lines "$WORK/follow")" -eq 11 ] || fail "tail -f: 11 new records expected, got $(lines "$WORK/follow")"
[ "$(jq -r ._id "$WORK/follow" | sort -u | wc -l)" -eq 11 ] || fail "tail -f: duplicates"
[ -s "$WORK/follow.err" ] && fail "tail -f: stderr: $(cat "$WORK/follow.err")"
expect 0 "tail resumed after -f" -- ctl tail --cursor-file "$C"
[ -s "$WORK/out" ] && fail "tail after -f repeated $(lines "$WORK/out") records"

# --- help and exit codes --------------------------------------------------------
expect 0 "--help" -- "$KPICTL" --help
grep -q "Exit codes: 0 ok" "$WORK/out" || fail "--help: no exit code footer"
for cmd in ls scan export sample verify tail; do
  expect 0 "$cmd --help" -- "$KPICTL" $cmd --help
done
expect 1 "no subcommand" -- "$KPICTL" --data-dir "$A"

[ "$FAILED" -eq 0 ] && echo "kpictl_read_test: ok"
exit "$FAILED"

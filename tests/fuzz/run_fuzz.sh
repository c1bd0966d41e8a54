#!/usr/bin/env bash
# Runs every fuzz target for a while, two at a time, from the committed seed
# corpus and past regressions; new inputs go to a scratch corpus under the
# build directory, never into the repository. A crash leaves its input in
# <build>/fuzz-artifacts/<target>/ and fails the run.
# Usage: bash tests/fuzz/run_fuzz.sh <fuzz-build-dir> [seconds per target, default 30]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: run_fuzz.sh <fuzz-build-dir> [seconds]}
seconds=${2:-30}
targets=(ingest_body form_decoder wal_reader segment_reader csv_row)

run_one() {
  local t=$1 work=$build/fuzz-work/$1 art=$build/fuzz-artifacts/$1
  mkdir -p "$work" "$art"
  local inputs=("$work" "$here/corpus/$t")
  [ -d "$here/regressions/$t" ] && inputs+=("$here/regressions/$t")
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$art/" "${inputs[@]}" > "$build/fuzz-$t.log" 2>&1; then
    echo "fuzz $t: ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-$t.log" |
      grep -o '[0-9]*$') inputs in ${seconds}s"
  else
    echo "fuzz $t: FAILED; log: $build/fuzz-$t.log, inputs: $art/"
    grep -m5 -E 'ERROR|invariant|runtime error|SUMMARY' "$build/fuzz-$t.log"
    return 1
  fi
}

failed=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run_one "${targets[i]}" & a=$!
  b=
  if [ $((i + 1)) -lt ${#targets[@]} ]; then run_one "${targets[i + 1]}" & b=$!; fi
  wait $a || failed=1
  [ -z "$b" ] || wait $b || failed=1
done
exit $failed

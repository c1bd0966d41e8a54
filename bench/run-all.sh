#!/bin/bash
# Every benchmark figure, one after the other (about 10 minutes), then the
# results table. Options (--quick, --runs N) are passed to every script.
#   bench/run-all.sh [--quick] [--runs N]
set -uo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
failed=0
for figure in "ingest.sh batch" "ingest.sh always" "ingest.sh batch20" "ingest.sh nginx" \
    seal.sh compact.sh export.sh export-hour.sh scan.sh purge.sh; do
  echo "== bench/$figure" >&2
  # shellcheck disable=SC2086 # script and its argument
  bash "$BENCH_DIR"/$figure "$@" || { echo "bench/$figure FAILED" >&2; failed=1; }
done
exit $failed

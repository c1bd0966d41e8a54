#!/bin/bash
# Every benchmark figure, one after the other (about 10 minutes), then the
# results table. Options (--quick, --runs N) are passed to every script.
#   bench/run-all.sh [--quick] [--runs N]
set -uo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
SUMMARY=$(mktemp)
trap 'rm -f "$SUMMARY"' EXIT
failed=0
echo "kpi benchmarks on $(hostname), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for figure in "ingest.sh batch" "ingest.sh always" "ingest.sh batch100" "ingest.sh nginx" \
    restart.sh seal.sh compact.sh export.sh export-hour.sh read.sh scan.sh report.sh purge.sh ship.sh; do
  echo "== bench/$figure" >&2
  # shellcheck disable=SC2086 # script and its argument
  bash "$BENCH_DIR"/$figure "$@" | tee -a "$SUMMARY" || { echo "bench/$figure FAILED" >&2; failed=1; }
done
echo >&2
echo "== summary (medians; ratio = kpi / limit)" >&2
cat "$SUMMARY" >&2
exit $failed

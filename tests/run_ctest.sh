#!/usr/bin/env bash
# run_ctest.sh BUILD_DIR [ctest args...]: ctest in BUILD_DIR, failing when a
# test did not run. ctest counts a skipped test (exit 77, SKIP_RETURN_CODE)
# as passed and a test whose command is missing as "Not Run"; the suite is
# run where every tool is installed (packaging/quickstart.sh test, .ci/extra),
# so either means a missing install step or build target: this prints which
# tests and exits 1, even when ctest itself said 100% passed.
set -uo pipefail
build=$1
shift
log=$(mktemp /tmp/kpi-ctest.XXXXXX)
trap 'rm -f "$log"' EXIT
(cd "$build" && ctest "$@") 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# ctest marks them "***Skipped" / "***Not Run" on their result lines.
not_run=$(grep -E '\*\*\*(Skipped|Not Run)' "$log" | sed 's/^ *//')
if [ -n "$not_run" ]; then
  echo "run_ctest: $(echo "$not_run" | wc -l) test(s) did not run; install what they need:" >&2
  echo "$not_run" | sed 's/^/  /' >&2
  exit 1
fi
exit "$rc"

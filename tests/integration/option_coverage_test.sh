#!/bin/bash
# Every option and subcommand that kpid --help, kpictl --help and each
# kpictl SUB --help list is exercised by an integration test
# (option_coverage.py says how that is decided, and names what lacks one).
set -u
: "${KPID:?}" "${KPICTL:?}"
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/option_coverage.py" "$KPID" "$KPICTL" "$here"

# Sanitizer reports of every process a test starts (sourced, not run).
#
# sanitizer_reports_to DIR   exports ASAN/UBSAN/TSAN/LSAN_OPTIONS with
#                            log_path=DIR/report, so every instrumented kpid,
#                            kpictl or tool started afterwards writes its
#                            reports to DIR/report.<pid> (stderr may be
#                            redirected anywhere, or nowhere, by the test).
# check_sanitizer_reports    prints every report and returns 1 if there is any.
# In a plain build nothing reads these variables and nothing is written.

sanitizer_reports_to() {
  SANITIZER_DIR=$1
  mkdir -p "$SANITIZER_DIR"
  local sanitizer options_var
  for sanitizer in ASAN UBSAN TSAN LSAN; do
    options_var=${sanitizer}_OPTIONS
    export "$options_var=${!options_var:+${!options_var}:}log_path=$SANITIZER_DIR/report"
  done
}

check_sanitizer_reports() {
  local report found=0
  for report in "$SANITIZER_DIR"/report*; do
    [ -s "$report" ] || continue
    found=1
    echo "FAIL: sanitizer report $(basename "$report"):" >&2
    head -n 60 "$report" >&2
  done
  return $found
}

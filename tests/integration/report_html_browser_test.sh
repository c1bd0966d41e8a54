#!/bin/bash
# The HTML report in a real browser: headless Debian chromium renders a
# report of generated data to a PNG and its DOM. The page must not be blank
# (many colours, much non-background area), the DOM must hold the charts and
# tables, and chromium must log no page error and load nothing from outside
# (the page is self-contained). KPI_REPORT_SCREENSHOT=FILE keeps the PNG
# (docs/report-screenshot.png is made that way).
set -u
: "${KPICTL:?}" "${KPI_BINARY_DIR:?}" "${KPI_SOURCE_DIR:?}"
WORK=$(mktemp -d /tmp/report-browser.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
CHROMIUM=$(command -v chromium || true)
[ -n "$CHROMIUM" ] || fail "chromium is not installed (apt-get install chromium; quickstart.sh test installs it)"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
[ -x "$MKSTORE" ] || fail "$MKSTORE is not built"

"$MKSTORE" --data-dir "$WORK/data" --records 6000 --hours 336 --from 2026-11-16 >/dev/null ||
  fail "kpi-mkstore"
"$KPICTL" --data-dir "$WORK/data" report 2026-11-16 2026-11-30 --by day --group screen_class \
  --group user_agent.os --alias 'user_agent.os:Windows NT 6.1=Windows 7' \
  --alias 'user_agent.os:Windows NT 6.2=Windows 8' --group language --format html \
  --output "$WORK/report.html" || fail "kpictl report --format html"

browse() {  # browse ARGS...: chromium headless on the page, bounded in time
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$WORK/profile" --enable-logging=stderr --v=0 "$@" "file://$WORK/report.html"
}
browse --window-size=900,1500 --screenshot="$WORK/shot.png" >"$WORK/shot.out" 2>"$WORK/shot.err" ||
  fail "chromium --screenshot: $(tail -5 "$WORK/shot.err")"
browse --dump-dom >"$WORK/dom.html" 2>"$WORK/dom.err" || fail "chromium --dump-dom: $(tail -5 "$WORK/dom.err")"
[ -s "$WORK/shot.png" ] || fail "no screenshot"

# No page error: chromium logs console messages and failed loads with these words.
if grep -Ei 'CONSOLE|Uncaught|ERR_|Failed to load|Refused to|SyntaxError' "$WORK/shot.err" "$WORK/dom.err"; then
  fail "chromium logged page errors (above)"
fi
# The DOM as rendered: four charts with their marks, the tables, no script.
[ "$(grep -o '<svg' "$WORK/dom.html" | wc -l)" -ge 4 ] || fail "the DOM lacks the 4 charts"
[ "$(grep -o '<rect' "$WORK/dom.html" | wc -l)" -ge 20 ] || fail "the bar charts have no bars"
grep -q '<circle' "$WORK/dom.html" || fail "the line charts have no points"
[ "$(grep -o '<table' "$WORK/dom.html" | wc -l)" -ge 4 ] || fail "the DOM lacks the tables"
grep -q 'Windows 7' "$WORK/dom.html" || fail "the OS alias is not in the page"
! grep -qi '<script' "$WORK/dom.html" || fail "a script in the page"
# Not blank: the PNG has many colours and a real share of drawn pixels.
read -r colours drawn < <(python3 "$KPI_SOURCE_DIR/tests/integration/png_colours.py" "$WORK/shot.png") ||
  fail "cannot read the screenshot"
echo "screenshot: $colours colours, $drawn of the pixels drawn"
[ "$colours" -ge 50 ] || fail "the screenshot has only $colours colours: blank?"
awk -v d="$drawn" 'BEGIN { exit !(d >= 0.05) }' || fail "only $drawn of the screenshot is drawn"
[ -z "${KPI_REPORT_SCREENSHOT:-}" ] || cp "$WORK/shot.png" "$KPI_REPORT_SCREENSHOT"
echo "report in chromium: all checks passed"

#!/bin/bash
# The man pages render without a single groff warning, and they (and the
# packaged /etc/kpid/kpid.conf) document every option the binaries accept:
# an option added to kpid or kpictl without documentation fails here.
set -u
: "${KPID:?KPID must name the kpid binary}" "${KPICTL:?KPICTL must name the kpictl binary}"
KPI_SOURCE_DIR=${KPI_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MAN=$KPI_SOURCE_DIR/man
CONF=$KPI_SOURCE_DIR/packaging/kpid.conf
command -v groff >/dev/null || { echo "skip: no groff (apt-get install groff-base)"; exit 77; }
WORK=$(mktemp -d /tmp/kpi-man-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILED=0

problem() {
  echo "FAIL: $*" >&2
  FAILED=1
}

# --- rendering --------------------------------------------------------------
PAGES=(kpid.8 kpictl.1 kpi-segment.5)
for page in "${PAGES[@]}"; do
  warnings=$(groff -ww -z -man "$MAN/$page" 2>&1)
  [ -z "$warnings" ] || problem "groff warns about $page: $warnings"
  # man-db is in the quick-start's test packages: without it the test fails.
  command -v man >/dev/null || { problem "no man (apt-get install man-db)"; continue; }
  MANWIDTH=80 man -l "$MAN/$page" >"$WORK/$page.txt" 2>"$WORK/$page.err" ||
    problem "man -l $page failed: $(cat "$WORK/$page.err")"
  grep -q '^NAME' "$WORK/$page.txt" || problem "man -l $page shows no NAME section"
done

# The page's text with roff escapes for dashes and fonts removed, so that
# "\-\-max\-body" in the source is found as "--max-body".
plain() {
  sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' "$1"
}

# The option column of a CLI11 --help text: each row's names up to the
# description ("  -o,--output FILE   write to ..."), so options only named
# in a description or the footer are not taken for the command's own.
option_column() {
  sed -nE 's/^ +(-[^ ].*)$/\1/p' | sed -E 's/  .*//'
}

long_options() {
  option_column | grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u
}

short_options() {
  option_column | grep -oE -- '(^|,)-[a-zA-Z]\b' | tr -d , | sort -u
}

documented() {  # documented OPTION FILE: the option appears as a whole word
  grep -qE -- "(^|[^a-z0-9-])$1([^a-z0-9-]|\$)" "$2"
}

# --- kpid -------------------------------------------------------------------
plain "$MAN/kpid.8" >"$WORK/kpid.8.plain"
"$KPID" --help >"$WORK/kpid.help" 2>&1 || problem "kpid --help failed"
kpid_options=$(long_options <"$WORK/kpid.help")
[ "$(echo "$kpid_options" | wc -l)" -ge 20 ] ||
  problem "kpid --help lists only: $kpid_options"
for opt in $kpid_options; do
  documented "$opt" "$WORK/kpid.8.plain" || problem "kpid option $opt is not in man/kpid.8"
  # The config file names each setting once, as "key =" or "# key =".
  case "$opt" in
    --help | --config | --no-*) continue ;;
  esac
  grep -qE "^(# )?${opt#--} =" "$CONF" ||
    problem "kpid option $opt has no '${opt#--} =' line in packaging/kpid.conf"
done
# And nothing in the config file that kpid does not know.
for key in $(sed -n 's/^#\{0,1\} \{0,1\}\([a-z][a-z0-9-]*\) =.*/\1/p' "$CONF"); do
  echo "$kpid_options" | grep -qx -- "--$key" ||
    problem "packaging/kpid.conf sets '$key', which kpid --help does not list"
done

# --- kpictl -----------------------------------------------------------------
plain "$MAN/kpictl.1" >"$WORK/kpictl.1.plain"
"$KPICTL" --help >"$WORK/kpictl.help" 2>&1 || problem "kpictl --help failed"
SUBCOMMANDS=(ls scan export sample verify tail compact purge)
for opt in $(long_options <"$WORK/kpictl.help") $(short_options <"$WORK/kpictl.help"); do
  documented "$opt" "$WORK/kpictl.1.plain" || problem "kpictl option $opt is not in man/kpictl.1"
done
# The page's OPTIONS section (options before the command, and --help).
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$WORK/kpictl.1.plain" >"$WORK/global.plain"
for sub in "${SUBCOMMANDS[@]}"; do
  grep -qE "^  $sub( |\$)" "$WORK/kpictl.help" || problem "kpictl --help lists no '$sub'"
  # Each command has its own subsection, ".SS kpictl SUB", listing its options.
  sed -n "/^\.SS kpictl $sub\b/,/^\.S[HS] /p" "$WORK/kpictl.1.plain" | sed '$d' \
    >"$WORK/$sub.plain"
  [ -s "$WORK/$sub.plain" ] || problem "man/kpictl.1 has no '.SS kpictl $sub'"
  # CLI11 answers the main help for an unknown command: check the usage line.
  if ! "$KPICTL" "$sub" --help >"$WORK/$sub.help" 2>&1 ||
    ! grep -qE "^Usage: .*kpictl $sub " "$WORK/$sub.help"; then
    problem "kpictl $sub --help does not describe '$sub': $(head -n 2 "$WORK/$sub.help")"
    continue
  fi
  for opt in $(long_options <"$WORK/$sub.help") $(short_options <"$WORK/$sub.help"); do
    documented "$opt" "$WORK/$sub.plain" || documented "$opt" "$WORK/global.plain" ||
      problem "kpictl $sub option $opt is not under '.SS kpictl $sub' in man/kpictl.1"
  done
done
# The three everyday jobs have examples.
for job in "kpictl.*export" "kpictl.*purge" "kpictl.*verify"; do
  sed -n '/^\.SH EXAMPLES/,/^\.SH SEE ALSO/p' "$WORK/kpictl.1.plain" | grep -qE "$job" ||
    problem "man/kpictl.1 EXAMPLES lacks '$job'"
done

[ "$FAILED" -eq 0 ] || exit 1
echo "packaging_man_test: ok"

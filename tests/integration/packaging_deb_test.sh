#!/bin/bash
# The Debian package as cpack builds it from this build directory: every file
# where Debian, systemd and nginx look for it, the conffiles and maintainer
# scripts, Depends matching what the binaries load; the unit passes
# systemd-analyze verify; kpid accepts the packaged config; kpictl finds the
# packaged store from it; the postinst creates the kpid user, the kpi-readers
# group and a 2750 kpid:kpi-readers /var/lib/kpid (run against stub commands).
set -u
: "${KPID:?KPID must name the kpid binary}" "${KPI_BINARY_DIR:?KPI_BINARY_DIR must name the build directory}"
KPI_SOURCE_DIR=${KPI_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
for tool in cpack dpkg-deb readelf; do
  command -v "$tool" >/dev/null || { echo "skip: no $tool (apt-get install dpkg-dev)"; exit 77; }
done
WORK=$(mktemp -d /tmp/kpi-deb-test.XXXXXX)
source "$(dirname "$0")/sanitizer_lib.sh"
sanitizer_reports_to "$WORK/sanitizer"
KPID_PID=""
cleanup() {
  local rc=$?
  [ -n "$KPID_PID" ] && kill -KILL "$KPID_PID" 2>/dev/null
  check_sanitizer_reports || rc=1
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
FAILED=0

problem() {
  echo "FAIL: $*" >&2
  FAILED=1
}

# --- build the package ------------------------------------------------------
# cpack installs from the build directory; the man pages are a build product.
cmake --build "$KPI_BINARY_DIR" --target kpi_man >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; exit 1; }
(cd "$KPI_BINARY_DIR" && cpack -G DEB -B "$WORK/out") >"$WORK/cpack.log" 2>&1 ||
  { echo "FAIL: cpack -G DEB" >&2; cat "$WORK/cpack.log" >&2; exit 1; }
DEB=$(ls "$WORK"/out/kpi_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ] || { echo "FAIL: no kpi_*.deb in $WORK/out" >&2; exit 1; }

dpkg-deb -c "$DEB" | awk '{print $NF}' | sed 's#^\./#/#' >"$WORK/files"
for f in /usr/sbin/kpid /usr/bin/kpictl /usr/share/man/man8/kpid.8.gz \
  /usr/share/man/man1/kpictl.1.gz /usr/share/man/man5/kpi-segment.5.gz \
  /lib/systemd/system/kpid.service /etc/nginx/sites-available/kpid /etc/kpid/kpid.conf \
  /lib/systemd/system/kpi-ship.service /etc/kpid/kpi-ship.conf \
  /usr/share/kpi/schema.json; do
  grep -qx -- "$f" "$WORK/files" || problem "the package lacks $f"
done
grep -q '^/usr/local' "$WORK/files" && problem "the package installs below /usr/local"

# --- control: name, scripts, conffiles, Depends ------------------------------
dpkg-deb -I "$DEB" >"$WORK/info"
for part in control conffiles postinst prerm postrm; do
  grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\\*? +$part( |\$)" "$WORK/info" ||
    problem "the control archive lacks $part"
done
check_field() {  # check_field FIELD VALUE
  [ "$(dpkg-deb -f "$DEB" "$1")" = "$2" ] || problem "$1 is '$(dpkg-deb -f "$DEB" "$1")', not '$2'"
}
check_field Package kpi
mkdir -p "$WORK/control"
dpkg-deb -e "$DEB" "$WORK/control"
for f in /etc/kpid/kpid.conf /etc/kpid/kpi-ship.conf /etc/nginx/sites-available/kpid; do
  grep -qx "$f" "$WORK/control/conffiles" || problem "$f is not a conffile"
done
for script in postinst prerm postrm; do
  [ -x "$WORK/control/$script" ] || problem "$script is not executable"
  sh -n "$WORK/control/$script" || problem "$script is not valid sh"
done

# Depends: adduser (the postinst needs it) and the package of every shared
# library kpid and kpictl link directly (their NEEDED entries; what those
# libraries need in turn their own packages depend on), so the package
# installs on a bare Debian 12.
depends=$(dpkg-deb -f "$DEB" Depends)
has_dep() {
  echo "$depends" | tr ',' '\n' | sed 's/^ *//; s/ .*//; s/:.*//' | grep -qx "$1"
}
has_dep adduser || problem "Depends lacks adduser: $depends"
for bin in "$KPID" "${KPICTL:-}"; do
  [ -x "$bin" ] || continue
  for soname in $(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    lib=$(ldd "$bin" | awk -v so="$soname" '$1 == so && $3 ~ /^\// {print $3}')
    [ -n "$lib" ] || continue
    pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null)
    pkg=${pkg%%:*}
    [ -n "$pkg" ] || continue  # not from a package (a local build): nothing to depend on
    has_dep "$pkg" || problem "$(basename "$bin") links $soname from $pkg, which Depends lacks: $depends"
  done
done

# --- the unit ---------------------------------------------------------------
dpkg-deb -x "$DEB" "$WORK/root"
# systemd-analyze is in the quick-start's test packages: missing, it fails.
if ! command -v systemd-analyze >/dev/null; then
  problem "no systemd-analyze (apt-get install systemd): the unit is not verified"
else
  mkdir -p "$WORK/unit"
  sed "s#^ExecStart=/usr/sbin/kpid #ExecStart=$KPID #" \
    "$WORK/root/lib/systemd/system/kpid.service" >"$WORK/unit/kpid.service"
  grep -q "^ExecStart=$KPID --config /etc/kpid/kpid.conf\$" "$WORK/unit/kpid.service" ||
    problem "ExecStart is not '/usr/sbin/kpid --config /etc/kpid/kpid.conf'"
  # --man=no: the Documentation= pages are in the package, not on this system.
  (cd "$WORK/unit" && systemd-analyze verify --man=no ./kpid.service) >"$WORK/verify.log" 2>&1 ||
    problem "systemd-analyze verify: $(cat "$WORK/verify.log")"
  [ -s "$WORK/verify.log" ] && problem "systemd-analyze verify warns: $(cat "$WORK/verify.log")"
  # kpi-ship.service runs kpictl, which the test's build provides.
  sed "s#^ExecStart=/usr/bin/kpictl #ExecStart=${KPICTL:-/usr/bin/kpictl} #" \
    "$WORK/root/lib/systemd/system/kpi-ship.service" >"$WORK/unit/kpi-ship.service"
  (cd "$WORK/unit" && systemd-analyze verify --man=no ./kpi-ship.service) >"$WORK/verify.log" 2>&1 ||
    problem "systemd-analyze verify kpi-ship.service: $(cat "$WORK/verify.log")"
  [ -s "$WORK/verify.log" ] && problem "systemd-analyze verify kpi-ship.service warns: $(cat "$WORK/verify.log")"
fi
for setting in User=kpid Group=kpid Restart=on-failure TimeoutStopSec=30 NoNewPrivileges=yes \
  ProtectSystem=strict ReadWritePaths=/var/lib/kpid CapabilityBoundingSet= UMask=0027; do
  grep -qx "$setting" "$WORK/root/lib/systemd/system/kpid.service" ||
    problem "the unit lacks $setting"
done

# --- kpid starts with the packaged config ----------------------------------
# Paths and ports overridden on the command line (which wins); every other
# line of the file is parsed as shipped, so an unknown key fails here.
"$KPID" --config "$WORK/root/etc/kpid/kpid.conf" --data-dir "$WORK/data" \
  --listen 127.0.0.1:0 --read-listen 127.0.0.1:0 \
  --schema "$WORK/root/usr/share/kpi/schema.json" >"$WORK/kpid.log" 2>&1 &
KPID_PID=$!
started=""
for ((i = 0; i < 400; i++)); do
  grep -q "listening on 127.0.0.1:[0-9]* for ingest" "$WORK/kpid.log" && { started=1; break; }
  kill -0 "$KPID_PID" 2>/dev/null || break
  sleep 0.05
done
if [ -n "$started" ]; then
  kill -TERM "$KPID_PID"
  rc=0
  wait "$KPID_PID" || rc=$?
  [ "$rc" = 0 ] || problem "kpid with the packaged config exited $rc after SIGTERM, not 0"
else
  problem "kpid does not start with the packaged config: $(tail -n 5 "$WORK/kpid.log")"
fi
KPID_PID=""

# --- kpi-ship: off until configured, and kpictl reads its packaged config ----
SHIP_CONF=$WORK/root/etc/kpid/kpi-ship.conf
for setting in DynamicUser=yes SupplementaryGroups=kpi-readers StateDirectory=kpi-ship \
  ReadOnlyPaths=/var/lib/kpid LoadCredential=clickhouse:/etc/kpid/clickhouse.credentials \
  ConditionPathExists=/etc/kpid/clickhouse.credentials RestartPreventExitStatus=1; do
  grep -qx "$setting" "$WORK/root/lib/systemd/system/kpi-ship.service" ||
    problem "kpi-ship.service lacks $setting"
done
if [ -n "${KPICTL:-}" ]; then
  "$KPICTL" --config "$SHIP_CONF" ship >/dev/null 2>"$WORK/ship.err"
  rc=$?
  [ "$rc" -eq 1 ] && grep -q -- '--clickhouse' "$WORK/ship.err" ||
    problem "unconfigured kpi-ship.conf: exit $rc, expected 1 naming --clickhouse: $(cat "$WORK/ship.err")"
  # Configured as its comments say (clickhouse set in the [ship] section):
  # every line parses; the state file and store are the test's own, and
  # nothing listens on port 9, so the run fails only at ClickHouse (exit 2).
  mkdir -p "$WORK/shipdata/segments"
  sed 's|^# clickhouse = .*|clickhouse = http://127.0.0.1:9|' "$SHIP_CONF" >"$WORK/kpi-ship.conf"
  "$KPICTL" --config "$WORK/kpi-ship.conf" --data-dir "$WORK/shipdata" ship \
    --state-file "$WORK/ship.state" >/dev/null 2>"$WORK/ship.err"
  rc=$?
  [ "$rc" -eq 2 ] && grep -q 'ClickHouse http://127.0.0.1:9' "$WORK/ship.err" ||
    problem "kpi-ship.conf configured: exit $rc, expected 2 at ClickHouse: $(cat "$WORK/ship.err")"
fi

# --- kpictl without --data-dir: the packaged kpid.conf names the store -------
# KPICTL_CONFIG stands in for /etc/kpid/kpid.conf, the default; this machine
# has no /var/lib/kpid, so the export fails there, naming it (exit 2).
if [ -n "${KPICTL:-}" ]; then
  rc=0
  KPICTL_CONFIG=$WORK/root/etc/kpid/kpid.conf "$KPICTL" export -7d >/dev/null 2>"$WORK/ctl.err" ||
    rc=$?
  [ -d /var/lib/kpid ] || { [ "$rc" -eq 2 ] && grep -q 'data dir /var/lib/kpid' "$WORK/ctl.err"; } ||
    problem "kpictl did not look for the store the packaged kpid.conf names: exit $rc: $(cat "$WORK/ctl.err")"
fi

# --- the postinst, against stub commands ------------------------------------
# Debian's own tools are replaced by stubs that log their arguments, so the
# script runs here without touching this machine's users or /var/lib.
mkdir -p "$WORK/stubs"
for cmd in getent adduser addgroup install deb-systemd-helper deb-systemd-invoke systemctl \
  chgrp chmod find; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\n%s\n' "$cmd" "$WORK/calls" \
    "$([ "$cmd" = getent ] && echo 'exit 2' || echo 'exit 0')" >"$WORK/stubs/$cmd"
  chmod +x "$WORK/stubs/$cmd"
done
PATH=$WORK/stubs:$PATH sh "$WORK/control/postinst" configure ||
  problem "postinst configure failed"
grep -q '^addgroup --system kpid$' "$WORK/calls" || problem "postinst did not add group kpid"
grep -qE '^adduser --system .*--ingroup kpid .*kpid$' "$WORK/calls" ||
  problem "postinst did not add system user kpid: $(cat "$WORK/calls")"
grep -q '^addgroup --system kpi-readers$' "$WORK/calls" ||
  problem "postinst did not add the readers' group kpi-readers"
grep -qx 'install -d -o kpid -g kpi-readers -m 2750 /var/lib/kpid' "$WORK/calls" ||
  problem "postinst did not create /var/lib/kpid 2750 kpid:kpi-readers"
grep -q '^find \|^chgrp \|^chmod ' "$WORK/calls" &&
  problem "a first install changed files below /var/lib/kpid: $(grep '^find\|^ch' "$WORK/calls")"
grep -q 'kpi-ship' "$WORK/calls" && problem "postinst enabled or started kpi-ship, which is off until configured"
grep -q '^deb-systemd-helper enable kpid.service' "$WORK/calls" ||
  problem "postinst did not enable kpid.service"

# An upgrade hands what an older package made in group kpid to kpi-readers.
: >"$WORK/calls"
PATH=$WORK/stubs:$PATH sh "$WORK/control/postinst" configure 0.1.0 ||
  problem "postinst configure (upgrade) failed"
grep -qx 'find /var/lib/kpid ! -group kpi-readers -exec chgrp kpi-readers {} +' "$WORK/calls" ||
  problem "an upgrade did not give the store to kpi-readers: $(cat "$WORK/calls")"

[ "$FAILED" -eq 0 ] || exit 1
echo "packaging_deb_test: ok ($(basename "$DEB"))"

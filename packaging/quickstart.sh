#!/usr/bin/env bash
# The README's two quick-start commands, for a fresh Debian 12 machine as root:
#   bash packaging/quickstart.sh run    install what is missing, build, start kpid
#                                       on 127.0.0.1:8080 with ./data as its store
#   bash packaging/quickstart.sh test   install what is missing, build, run every test
# Environment: KPI_BUILD_DIR (default ./build), KPI_LISTEN, KPI_DATA_DIR, KPI_JOBS.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KPI_BUILD_DIR:-$here/build}
jobs=${KPI_JOBS:-$(nproc)}

# Build and library packages, then what the tests drive for real.
build_packages=(build-essential cmake pkg-config libcli11-dev libsimdjson-dev libzstd-dev
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev libboost-filesystem-dev catch2)
test_packages=(zstd jq curl nginx-light python3 python3-zstandard groff-base man-db systemd dpkg-dev wrk
  strace time clang libclang-rt-14-dev clickhouse-server clickhouse-client
  chromium)

install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "quickstart: missing packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  echo "quickstart: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build_all() {
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j "$jobs"
}

case "${1:-}" in
  run)
    install_missing "${build_packages[@]}"
    build_all
    data=${KPI_DATA_DIR:-$here/data}
    listen=${KPI_LISTEN:-127.0.0.1:8080}
    mkdir -p "$data"
    echo "quickstart: kpid on http://$listen, data in $data (Ctrl-C stops it)" >&2
    exec "$build/kpid/kpid" --data-dir "$data" --listen "$listen" \
      --schema "$here/packaging/schema.json"
    ;;
  test)
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    command -v npm >/dev/null || install_missing nodejs npm  # DuckDB's engine test
    build_all
    # Fails on any skipped or not-run test too: here every tool is installed.
    bash "$here/tests/run_ctest.sh" "$build" --output-on-failure -j "$jobs" --timeout 600
    ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac

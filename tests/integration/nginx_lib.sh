# Helpers for the tests that put nginx in front of kpid (sourced after
# kpid_lib.sh, not run). Exits 77 (skip) when nginx is not installed.
#
# free_port                       a free loopback TCP port
# site_for NAME PORT UPSTREAM [RATE]
#   the packaged site (packaging/nginx/kpid.conf) as a test runs it
# start_nginx NAME PORT SITE_FILE...
#   an nginx of its own serving the files; its pid goes to NGINX_PIDS
# stop_nginx_all                  stops every nginx started, then cleanup
#   (installed as the EXIT trap here)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "skip: no nginx (apt-get install nginx-light)"; exit 77; }
SITE=$KPI_SOURCE_DIR/packaging/nginx/kpid.conf
CLUSTER=$KPI_SOURCE_DIR/packaging/nginx/kpid-cluster.conf
JSON=application/json
FORM=application/x-www-form-urlencoded
NGINX_PIDS=()

# nginx's master stops its workers on SIGTERM; wait for them, or a worker it
# had no time to stop outlives the test (kpid_lib's cleanup sends SIGKILL).
stop_nginx_all() {  # stop_nginx_all [EXIT-STATUS]: as cleanup
  local rc=${1:-$?} pid i
  for pid in "${NGINX_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      pgrep -P "$pid" >/dev/null || break  # its workers are gone
      sleep 0.05
    done
  done
  cleanup "$rc"
}
trap stop_nginx_all EXIT
# nginx's workers run as nobody when the master is root: let them reach
# their temp directories.
chmod 0711 "$WORK"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# site_for NAME PORT UPSTREAM [RATE]: the packaged site as a test runs it.
# Placeholders replaced: the listen port, kpid's address, the log directory
# ($WORK/NAME-kpid.access.log, ...); the rate lowered (default 1 a minute,
# so that the burst (20) alone decides when 429 starts).
site_for() {
  sed -e "s#listen 80;#listen 127.0.0.1:$2;#" -e '/listen \[::\]:80;/d' \
    -e "s#server 127.0.0.1:8080;#server $3;#" -e "s#/var/log/nginx/#$WORK/$1-#g" \
    -e "s#rate=10r/s#rate=${4:-1r/m}#" "$SITE"
}

# start_nginx NAME PORT SITE_FILE...: an nginx of its own (pid, logs, temp
# paths under $WORK/NAME) serving the given files inside http {}.
start_nginx() {
  local name=$1 port=$2 dir=$WORK/$1
  shift 2
  mkdir -p "$dir" && chmod 0755 "$dir"
  {
    echo "pid $dir/nginx.pid; error_log $dir/error.log info;"
    echo "events { worker_connections 256; }"
    echo "http {"
    local t
    for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $dir/$t;"; done
    local f
    for f in "$@"; do echo "  include $f;"; done
    echo "}"
  } >"$dir/nginx.conf"
  "$NGINX" -t -q -p "$dir" -c "$dir/nginx.conf" || fail "nginx -t rejects $name's config"
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$WORK/$name.log" 2>&1 &
  STARTED_PIDS+=("$!")
  NGINX_PIDS+=("$!")
  local i
  for ((i = 0; i < 200; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 0.05
  done
  fail "nginx $name did not listen on $port within 10 s"
}


# Helpers for the tests that ship a store into ClickHouse (sourced after
# kpid_lib.sh, and after nginx_lib.sh when a test uses both; not run).
# clickhouse-server comes from the Debian package (18.16 on Debian 12, which
# packaging/quickstart.sh installs for the test command); a server runs as the
# test's user without systemd, from a config of its own under $WORK, on
# loopback ports only, and starts in well under a second.
#
# start_clickhouse NAME [EXTRA_XML_FILE]
#   a server of its own (data, logs, config under $WORK/NAME-ch), its HTTP and
#   TCP ports free loopback ports; sets CH_HTTP_<NAME>, CH_TCP_<NAME> and
#   CH_URL_<NAME> (http://127.0.0.1:PORT). EXTRA_XML_FILE is pasted into the
#   config (e.g. a <remote_servers> section), with @TCP_PORT@ replaced by the
#   server's own TCP port (a shard naming itself). Users: `default` (no password,
#   loopback only) for the test's own queries, and `kpi` with the password
#   $CH_PASSWORD for kpictl ship.
# ch NAME SQL        runs SQL on server NAME as `default`, prints the result
#                    (TSV); fails the test on any error.
# stop_clickhouse_all   SIGTERM to every server started, waits for each to
#   exit, then the cleanup of the libraries sourced before (installed as the
#   EXIT trap here).
CLICKHOUSE_SERVER=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
[ -x "$CLICKHOUSE_SERVER" ] ||
  fail "no clickhouse-server (apt-get install clickhouse-server clickhouse-client; packaging/quickstart.sh test does)"
CH_PASSWORD=ship-test-$$
CH_PIDS=()

if ! declare -F free_port >/dev/null; then
  free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  }
fi

# The cleanup this library wraps: nginx_lib's when it was sourced, else kpid_lib's.
if declare -F stop_nginx_all >/dev/null; then CH_NEXT_CLEANUP=stop_nginx_all; else CH_NEXT_CLEANUP=cleanup; fi

# A clean stop: the server flushes its parts and exits within a few seconds
# on SIGTERM; kpid_lib's cleanup would SIGKILL it otherwise.
stop_clickhouse_all() {
  local rc=$? pid i  # the test's status: passed on, or a failed test would exit 0
  for pid in "${CH_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${CH_PIDS[@]}"; do
    for ((i = 0; i < 200; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
  done
  CH_PIDS=()
  "$CH_NEXT_CLEANUP" "$rc"
}
trap stop_clickhouse_all EXIT

clickhouse_config() {  # clickhouse_config DIR HTTP_PORT TCP_PORT [EXTRA_XML_FILE]
  local dir=$1
  cat <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/server.log</log><errorlog>$dir/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$2</http_port>
  <tcp_port>$3</tcp_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <max_concurrent_queries>32</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
EOF
  [ -n "${4:-}" ] && sed "s/@TCP_PORT@/$3/g" "$4"
  echo "</yandex>"
}

clickhouse_users() {
  cat <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_threads>2</max_threads></default></profiles>
  <quotas><default></default></quotas>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile><quota>default</quota></default>
    <kpi><password>$CH_PASSWORD</password><networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile><quota>default</quota></kpi>
  </users>
</yandex>
EOF
}

start_clickhouse() {
  local name=$1 extra=${2:-} dir=$WORK/$1-ch
  local http tcp
  http=$(free_port)
  tcp=$(free_port)
  mkdir -p "$dir"
  clickhouse_config "$dir" "$http" "$tcp" "$extra" >"$dir/config.xml"
  clickhouse_users >"$dir/users.xml"
  "$CLICKHOUSE_SERVER" --config-file="$dir/config.xml" >"$WORK/$name-clickhouse.log" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid")
  CH_PIDS+=("$pid")
  local i
  for ((i = 0; i < 400; i++)); do
    [ "$(curl -s "http://127.0.0.1:$http/ping")" = "Ok." ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/error.log" >&2; fail "clickhouse $name exited before listening"; }
    sleep 0.05
  done
  [ "$i" -lt 400 ] || fail "clickhouse $name did not answer /ping on $http within 20 s"
  printf -v "CH_HTTP_$name" '%s' "$http"
  printf -v "CH_TCP_$name" '%s' "$tcp"
  printf -v "CH_URL_$name" '%s' "http://127.0.0.1:$http"
}

ch() {  # ch NAME SQL
  local var="CH_HTTP_$1" out
  out=$(curl -sS --fail-with-body "http://127.0.0.1:${!var}/" --data-binary "$2" 2>&1) ||
    fail "clickhouse $1: $2: $out"
  printf '%s\n' "$out"
}

#!/bin/bash
# What one client may hold of kpid (issue 13.8), directly: 200 slow clients
# do not keep /healthz and a POST from being answered (through the packaged
# nginx site too, which buffers them itself); header lines and bytes are
# capped (431) with kpid's memory bounded; a head trickled past
# --header-timeout gets 408; --max-connections answers 503 past the cap; a
# request path with %0a or a raw ESC cannot forge a log line; kpid warns
# when it would listen on a non-loopback address. kpid_connections.py talks.
source "$(dirname "$0")/kpid_lib.sh"
source "$(dirname "$0")/nginx_lib.sh"
PY=$KPI_SOURCE_DIR/tests/integration/kpid_connections.py

# Default settings: the slow clients, the header caps, the log.
start_kpid c "$WORK/c" --max-age 0 --min-free-bytes 0 --log-level debug
timeout 120 python3 "$PY" slowloris "$PORT_c" || fail "slow clients"
# The same through the packaged nginx site, which holds slow clients itself.
NP=$(free_port)
site_for web "$NP" "127.0.0.1:$PORT_c" 600r/m >"$WORK/site.conf"
start_nginx web "$NP" "$WORK/site.conf"
timeout 120 python3 "$PY" slowloris "$NP" || fail "slow clients through nginx"
timeout 120 python3 "$PY" headers "$PORT_c" "$KPID_PID_c" || fail "header caps"
printf 'GET /x%%0a2026-01-01T00:00:00.000Z%%20error%%20forged%%0d HTTP/1.1\r\nHost: kpi\r\nConnection: close\r\n\r\nGET /esc\x1b[31mred HTTP/1.1\r\nHost: kpi\r\nConnection: close\r\n\r\n' |
  timeout 10 python3 -c 'import socket, sys; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(sys.stdin.buffer.read()); s.recv(4096)' "$PORT_c" ||
  fail "could not send the forging paths"
expect_alive c
stop_kpid c
if grep -a -q '^2026-01-01T00:00:00.000Z error forged' "$WORK/c.log"; then
  fail "a request path forged a log line"
fi
grep -a -q 'GET /x\\x0a2026-01-01T00:00:00.000Z error forged\\x0d 404' "$WORK/c.log" ||
  fail "the %0a path is not logged escaped"
! grep -a -q $'\x1b' "$WORK/c.log" || fail "a raw ESC reached the log"
check "nothing answered 500" bash -c "! grep -a -q ' 500\$' '$WORK/c.log'"

# Tight limits: the deadline and the connection cap, the caps as options.
start_kpid t "$WORK/t" --max-age 0 --min-free-bytes 0 --header-timeout 2s --read-timeout 5s \
  --body-timeout 2s --max-connections 4 --threads 2 --max-headers 20 --max-header-bytes 2K
timeout 60 python3 "$PY" deadline "$PORT_t" || fail "--header-timeout"
timeout 60 python3 "$PY" body-deadline "$PORT_t" || fail "--body-timeout"
timeout 60 python3 "$PY" cap "$PORT_t" || fail "--max-connections"
got=$(curl -sS -o "$WORK/body" -w '%{http_code}' -H "X-Big: $(head -c 3000 /dev/zero | tr '\0' b)" \
  "http://127.0.0.1:$PORT_t/healthz")
check "a 3 KB header with --max-header-bytes 2K gets 431 (got $got)" test "$got" = 431
hdrs=()
for i in $(seq 1 25); do hdrs+=(-H "X-H$i: v"); done
got=$(curl -sS -o "$WORK/body" -w '%{http_code}' "${hdrs[@]}" "http://127.0.0.1:$PORT_t/healthz")
check "25 headers with --max-headers 20 get 431 (got $got)" test "$got" = 431
stop_kpid t

# A non-loopback address: kpid says so before it binds (TEST-NET-1 cannot be
# bound here, so kpid then exits; nothing listens beyond loopback).
"$KPID" --data-dir "$WORK/w" --listen 192.0.2.1:8080 --read-listen 127.0.0.1:0 >"$WORK/w.log" 2>&1
grep -q 'protection weakened: --listen 192.0.2.1:8080 is not a loopback address' "$WORK/w.log" ||
  fail "no warning for a non-loopback --listen: $(cat "$WORK/w.log")"
"$KPID" --data-dir "$WORK/w" --listen 127.0.0.1:0 --read-listen '[2001:db8::1]:8081' \
  >"$WORK/w2.log" 2>&1
grep -q 'protection weakened: --read-listen \[2001:db8::1\]:8081 is not a loopback' "$WORK/w2.log" ||
  fail "no warning for a non-loopback --read-listen: $(cat "$WORK/w2.log")"
start_kpid l "$WORK/l" --read-listen '[::1]:0'
! grep -q 'not a loopback' "$WORK/l.log" || fail "a loopback listener was warned about"
stop_kpid l
echo "kpid_connections: all checks passed"

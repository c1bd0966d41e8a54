#!/bin/bash
# Users opt out themselves (issue 13.2): kpid's page at /wsapi/privacy, directly
# and through the packaged nginx site. curl checks the page's answers (no
# script, no-store, the cookie's attributes, Secure behind https) and that
# another site cannot change the choice (403, no cookie). Then headless
# chromium (kpid_privacy_browser.py over the DevTools pipe) opts out with the
# form: its POST made before is stored, the one made after stores nothing,
# the one after taking part again is stored. kpictl export counts them.
source "$(dirname "$0")/kpid_lib.sh"
source "$(dirname "$0")/nginx_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"
command -v chromium >/dev/null || fail "chromium is not installed (quickstart.sh test installs it)"

D=$WORK/store
start_kpid p "$D" --max-age 0 --min-free-bytes 0 --writer-id pp --retention 30d
KP=$PORT_p
NP=$(free_port)
site_for web "$NP" "127.0.0.1:$KP" 600r/m >"$WORK/site.conf"
start_nginx web "$NP" "$WORK/site.conf"
PAGE=/wsapi/privacy

page() {  # page PORT [curl args...]: GET the page; status, headers, body in $WORK
  local port=$1
  shift
  curl -sS -o "$WORK/page" -D "$WORK/headers" -w '%{http_code}' "$@" "http://127.0.0.1:$port$PAGE"
}

for port in "$KP" "$NP"; do
  via=$([ "$port" = "$KP" ] && echo kpid || echo nginx)
  rm -f "$WORK/jar"
  check "$via: GET $PAGE answers 200" test "$(page "$port" -c "$WORK/jar")" = 200
  check "$via: the page is HTML" grep -qi '^Content-Type: text/html' "$WORK/headers"
  check "$via: the page is not cached" grep -qi '^Cache-Control: no-store' "$WORK/headers"
  check "$via: the page may not be framed" grep -qi "frame-ancestors 'none'" "$WORK/headers"
  ! grep -qi '<script' "$WORK/page" || fail "$via: the page carries a script"
  grep -q 'data-state="taking-part"' "$WORK/page" || fail "$via: the page does not show the state"
  grep -q '<code>event_stream</code>: the steps' "$WORK/page" || fail "$via: no field list"
  grep -q 'rounded down to 10 minutes' "$WORK/page" || fail "$via: the time flooring is not stated"
  grep -q 'deleted 30 days after' "$WORK/page" || fail "$via: --retention is not stated"
  token=$(sed -n 's/.*name="csrf" value="\([0-9a-f.]*\)".*/\1/p' "$WORK/page")
  check "$via: the form carries a token" test -n "$token"
  grep -q "kpi_csrf.$token" "$WORK/jar" || fail "$via: the form's token is not the cookie's"

  # Another site's form, with or without the person's cookies: refused, nothing set.
  got=$(curl -sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -b "$WORK/jar" \
    -H 'Origin: http://evil.example' -H 'Sec-Fetch-Site: cross-site' \
    --data "csrf=$token&choice=in" "http://127.0.0.1:$port$PAGE")
  check "$via: a cross-site form gets 403 (got $got)" test "$got" = 403
  ! grep -qi '^Set-Cookie: kpi_optout' "$WORK/headers" || fail "$via: a cross-site form set the cookie"
  got=$(curl -sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' \
    --data "csrf=$token&choice=out" "http://127.0.0.1:$port$PAGE")
  check "$via: a form without the cookie gets 403 (got $got)" test "$got" = 403
  grep -q 'missing csrf cookie' "$WORK/body" || fail "$via: the refusal does not say why"
  got=$(curl -sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -b "$WORK/jar" \
    --data "csrf=$token&choice=out" "http://127.0.0.1:$port$PAGE")
  check "$via: the form answers 303 (got $got)" test "$got" = 303
  cookie=$(tr -d '\r' <"$WORK/headers" | sed -n 's/^Set-Cookie: \(kpi_optout=.*\)/\1/Ip')
  for attr in 'kpi_optout=1;' 'Path=/wsapi;' 'Max-Age=34560000;' 'HttpOnly' 'SameSite=Lax'; do
    [[ "$cookie" == *"$attr"* ]] || fail "$via: the opt-out cookie lacks $attr: $cookie"
  done
  [[ "$cookie" != *Secure* ]] || fail "$via: Secure on plain http: $cookie"
done
# Behind TLS (X-Forwarded-Proto from nginx) the cookies are Secure.
page "$KP" -H 'X-Forwarded-Proto: https' >/dev/null
grep -qi '^Set-Cookie: kpi_csrf=.*; Secure' "$WORK/headers" || fail "no Secure cookie behind https"
check "an opted-out browser sees its state" \
  grep -q 'data-state="opted-out"' <(curl -sS -b 'kpi_optout=1' "http://127.0.0.1:$KP$PAGE")
check "a browser sending Global Privacy Control is told it is not recorded" \
  grep -q 'data-state="not-recorded"' <(curl -sS -H 'Sec-GPC: 1' "http://127.0.0.1:$KP$PAGE")
check "a bad choice gets 400" test "$(curl -sS -o /dev/null -w '%{http_code}' -b "$WORK/jar" \
  --data "csrf=$token&choice=maybe" "http://127.0.0.1:$KP$PAGE")" = 400

# Without an opt-out cookie there is nothing to set: the page says so, no form.
start_kpid n "$WORK/n" --opt-out-cookie '' --csrf off --csrf-cookie ''
check "no-opt-out: the page says so" test "$(page "$PORT_n")" = 200
grep -q 'data-state="no-opt-out"' "$WORK/page" || fail "the page offers an opt-out kpid cannot honour"
! grep -q '<form' "$WORK/page" || fail "a form without an opt-out cookie"
check "no-opt-out: POST $PAGE is 404" \
  test "$(curl -sS -o /dev/null -w '%{http_code}' --data 'choice=out' "http://127.0.0.1:$PORT_n$PAGE")" = 404
stop_kpid n

# --- a person in chromium, through nginx and directly -------------------
for base in "http://127.0.0.1:$NP" "http://127.0.0.1:$KP"; do
  mark=browser:$([ "$base" = "http://127.0.0.1:$KP" ] && echo kpid || echo nginx)
  rm -rf "$WORK/profile"
  timeout 180 python3 "$KPI_SOURCE_DIR/tests/integration/kpid_privacy_browser.py" "$base" "$mark" \
    "$WORK/profile" "$WORK/chromium.out" || fail "chromium at $base (log: $(tail -3 "$WORK/chromium.out"))"
done

stop_kpid p
"$KPICTL" --data-dir "$D" export >"$WORK/export.jsonl" || fail "kpictl export"
for via in nginx kpid; do
  for when in before after; do
    n=$(grep -c "\"browser:$via:$when\"" "$WORK/export.jsonl")
    check "$via: the POST $when opting out is stored once (found $n)" test "$n" = 1
  done
  n=$(grep -c "\"browser:$via:opted-out\"" "$WORK/export.jsonl")
  check "$via: the opted-out browser's POST left 0 records (found $n)" test "$n" = 0
done
echo "kpid_privacy_page: all checks passed"

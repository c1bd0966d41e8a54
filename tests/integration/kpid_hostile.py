#!/usr/bin/env python3
"""Hostile clients against a running kpid (driven by kpid_hostile_test.sh).

Usage: kpid_hostile.py PORT MARKER READ_TOKEN THREADS

Every request goes over a raw socket so the test controls each byte. Bad
input must get 4xx (never 500, never a crash), slow and idle clients must not
stop kpid from serving others, and every payload carries MARKER so the shell
test can check that none of it reaches kpid's log or its store. Prints one
line per check and exits 1 on the first failure. Every wait is bounded.
"""
import json
import socket
import sys
import threading
import time

from kpi_csrf import session_token

PORT = int(sys.argv[1])
MARKER = sys.argv[2]
READ_TOKEN = sys.argv[3]
THREADS = int(sys.argv[4])
INGEST = "/wsapi/interaction_data"
TIMEOUT = 20.0  # no single exchange may take longer; none should come close
CSRF = ""  # the cookie and header lines of a kpid-issued CSRF token (set in main)


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr)
    sys.exit(1)


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s):
    """Reads one response; returns (status, body) or (None, b'') if closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            chunk = b""
        if not chunk:
            return None, b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, body


def exchange(raw):
    s = connect()
    try:
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # kpid may answer and close before reading everything
        return read_response(s)
    finally:
        s.close()


def post(body, content_type="application/json", extra=b""):
    if isinstance(body, str):
        body = body.encode()
    head = (f"POST {INGEST} HTTP/1.1\r\nHost: kpi\r\n{CSRF}Content-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n").encode()
    return exchange(head + extra + b"\r\n" + body)


def get(path, headers=b""):
    return exchange(f"GET {path} HTTP/1.1\r\nHost: kpi\r\nConnection: close\r\n".encode()
                    + headers + b"\r\n")


def expect(what, result, allowed):
    status, body = result
    if status not in allowed:
        fail(f"{what}: got {status} {body[:200]!r}, want one of {sorted(allowed)}")
    print(f"ok   {what}: {status}")
    return body


def expect_not_stored(what, result, status):
    """`status`: a 4xx, or 200 that stores nothing and lists every blob as rejected."""
    body = expect(what, result, {status})
    if status == 200:
        answer = json.loads(body)
        if answer.get("stored") != 0 or not answer.get("rejected"):
            fail(f"{what}: stored a hostile blob: {body!r}")


def healthy(what):
    expect(what, get("/healthz"), {200})


def blob(**members):
    base = {"timestamp": 1361407200000, "event_stream": [["picker", 1]], "lang": MARKER}
    base.update(members)
    return base


def normal_post():
    return post(json.dumps({"data": [blob(lang="en-US")]}))


# --- slow and idle clients ---------------------------------------------------

def slow_client(request, pause, results, key):
    """Sends `request` a byte at a time, `pause` seconds apart; records the
    status kpid answered with (None when it closed the connection)."""
    s = connect()
    try:
        for byte in request:
            s.sendall(bytes([byte]))
            time.sleep(pause)
        results[key] = read_response(s)[0]
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        results[key] = None
    finally:
        s.close()


def check_slow_clients():
    body = json.dumps({"data": [blob(lang="en-US")]}).encode()
    request = (f"POST {INGEST} HTTP/1.1\r\nHost: kpi\r\n{CSRF}Content-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    results = {}
    # A byte every 20 ms: slow, but never silent for the read timeout.
    slow = threading.Thread(target=slow_client, args=(request, 0.02, results, "slow"))
    slow.start()
    time.sleep(0.2)
    expect("a normal POST while a client trickles its request", normal_post(), {200})
    healthy("/healthz while a client trickles its request")
    slow.join(TIMEOUT)
    if slow.is_alive() or results.get("slow") != 200:
        fail(f"the slow but steady client was not served: {results.get('slow')}")
    print("ok   a client sending a byte at a time is served in the end: 200")

    # Headers started, then silence: the read timeout must drop it.
    s = connect()
    s.sendall(f"POST {INGEST} HTTP/1.1\r\nHost: kp".encode())
    status, answer = read_response(s)
    s.close()
    if status != 408 or b"--read-timeout" not in answer:
        fail(f"a client stalled mid-header got {status} {answer!r}, not 408 naming --read-timeout")
    print("ok   a client that stalls mid-header past --read-timeout gets 408")

    # A body that stops half-way.
    s = connect()
    s.sendall(request[: len(request) - len(body) // 2])
    status, _ = read_response(s)
    s.close()
    if status != 400:
        fail(f"a client stalled mid-body got {status}, not 400")
    print("ok   a client that stalls mid-body past --read-timeout gets 400")


def check_more_connections_than_threads():
    idle = [connect() for _ in range(THREADS + 3)]
    for s in idle:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # each holds a worker, then goes quiet
    try:
        # Served by a worker started for it (--threads is the pool's start).
        expect(f"a request with {THREADS + 3} idle connections open and {THREADS} threads",
               normal_post(), {200})
    finally:
        for s in idle:
            s.close()


# --- malformed HTTP ----------------------------------------------------------

def check_http_framing():
    big = b"X-Big: " + b"a" * 70000 + b"\r\n"
    expect("a 70 KB header", post("{}", extra=big), {431})
    many = b"".join(b"X-H%d: %s\r\n" % (i, MARKER.encode()) for i in range(2000))
    # httplib 0.11 has no limit on the header count; kpid's --max-headers has.
    expect("2000 headers", post(json.dumps(blob(lang="en-US")), extra=many), {431})
    expect("a 20 KB request line", get("/" + "a" * 20000), {414})
    expect("garbage instead of a request line",
           exchange(b"\x00\x01\x02" + MARKER.encode() + b"\r\n\r\n"), {400})
    expect("a NUL byte in a header value",
           post(json.dumps(blob(lang="en-US")), extra=b"X-A: a\x00b\r\n"), {200})
    expect("Content-Length of 2^70", exchange(
        f"POST {INGEST} HTTP/1.1\r\nHost: k\r\n{CSRF}Content-Type: application/json\r\n"
        f"Content-Length: {2**70}\r\n\r\n{MARKER}".encode()), {413})
    expect("a negative Content-Length", exchange(
        f"POST {INGEST} HTTP/1.1\r\nHost: k\r\n{CSRF}Content-Type: application/json\r\n"
        f"Content-Length: -5\r\n\r\n{MARKER}".encode()), {413})
    chunked_head = (f"POST {INGEST} HTTP/1.1\r\nHost: k\r\n{CSRF}Content-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    chunks = b"".join(b"400\r\n" + b" " * 1024 + b"\r\n" for _ in range(80)) + b"0\r\n\r\n"
    expect("a chunked body past --max-body", exchange(chunked_head + chunks), {413})
    expect("a chunk size of 2^64-1", exchange(
        chunked_head + b"ffffffffffffffff\r\n" + MARKER.encode() + b"\r\n0\r\n\r\n"), {400})
    expect("a chunk size that is not hex",
           exchange(chunked_head + b"zz\r\n" + MARKER.encode() + b"\r\n0\r\n\r\n"), {400})
    both = (f"POST {INGEST} HTTP/1.1\r\nHost: k\r\n{CSRF}Content-Type: application/json\r\n"
            "Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            "0\r\n\r\n").encode()
    expect_not_stored("Content-Length and chunked together", exchange(both), 411)


# --- hostile JSON and forms --------------------------------------------------

def check_bodies():
    m = MARKER
    cases = {
        "invalid UTF-8 in a string": (400, b'{"data":[{"lang":"' + m.encode() + b'\xff\xfe"}]}'),
        "an overlong UTF-8 encoding": (400, b'{"data":[{"lang":"' + m.encode() + b'\xc0\xaf"}]}'),
        "a lone surrogate escape": (400, '{"data":[{"lang":"%s\\ud800"}]}' % m),
        "a raw NUL byte in a string": (400, b'{"data":[{"lang":"' + m.encode() + b'\x00"}]}'),
        "a raw NUL byte between tokens": (400, b'{"data":[{"lang":"' + m.encode() + b'"}\x00]}'),
        "an escaped NUL in a string": (200, '{"data":[{"lang":"%s\\u0000x"}]}' % m),
        "control characters escaped": (200, '{"data":[{"lang":"%s\\u0007\\u001b"}]}' % m),
        "10,000 nested arrays": (400, "[" * 10000 + "]" * 10000),
        "10,000 nested objects": (400, '{"a":' * 10000 + "1" + "}" * 10000),
        "deep nesting inside a blob": (200, json.dumps(
            {"data": [{"lang": m, "screen_size": {"width": {"a": {"b": {"c": {"d": 1}}}}}}]})),
        "a 400-digit integer": (400,
            '{"data":[{"lang":"%s","number_emails":%s}]}' % (m, "9" * 400)),
        "1e400": (400, '{"data":[{"lang":"%s","number_emails":1e400}]}' % m),
        "-1e400 as a timestamp": (400, '{"data":[{"lang":"%s","timestamp":-1e400}]}' % m),
        "2^64 as a count": (400,
            '{"data":[{"lang":"%s","number_emails":18446744073709551616}]}' % m),
        "2^63 as a timestamp": (200,
            '{"data":[{"lang":"%s","timestamp":9223372036854775808}]}' % m),
        "NaN": (400, '{"data":[{"lang":"%s","sample_rate":NaN}]}' % m),
        "a duplicate key": (200, '{"data":[{"lang":"en-US","lang":"%s"}]}' % m),
        "a duplicate key in a nested object": (200,
            '{"data":[{"lang":"%s","screen_size":{"width":1,"width":2}}]}' % m),
        "a duplicate key differing only by escapes": (200,
            '{"data":[{"lang":"en","l\\u0061ng":"%s"}]}' % m),
        "a 60 KB string": (200, '{"data":[{"lang":"%s%s"}]}' % (m, "x" * 60000)),
        "an empty batch": (400, '{"data":[],"csrf":"%s"}' % m),
        "a batch of 101 blobs": (400, json.dumps({"data": [blob()] * 101})),
        "a trailing comma": (400, '{"data":[{"lang":"%s"},]}' % m),
        "two documents": (400, '{"data":[{"lang":"%s"}]}{"data":[]}' % m),
        "a string as the batch": (400, '{"data":"%s"}' % m),
        "numbers as blobs": (200, '{"data":[1,2,"%s"]}' % m),
    }
    for what, (status, body) in cases.items():
        expect_not_stored(what, post(body), status)
    form = "application/x-www-form-urlencoded"
    forms = {
        "a form with a bad escape": (400, f"data=%7B%22lang%22%3A%22{m}%zz"),
        "a form with %00": (400, f"data=%7B%22lang%22%3A%22{m}%00%22%7D"),
        "a form with invalid UTF-8": (400, f"data=%7B%22lang%22%3A%22{m}%FF%22%7D"),
        "a form with a cut escape": (400, f"data=%7B%22lang%22%3A%22{m}%2"),
        "a form without data": (400, f"csrf={m}"),
        "a form with only separators": (400, "&&&=&="),
    }
    for what, (status, body) in forms.items():
        expect_not_stored(what, post(body, content_type=form), status)
    healthy("/healthz after hostile bodies")


# --- the read API's bearer token ---------------------------------------------

def check_read_tokens():
    path = INGEST + "/count"
    denied = {401}
    expect("reads without a token", get(path), denied)
    wrong = [
        b"Authorization: Bearer " + READ_TOKEN[:-1].encode() + b"\r\n",
        b"Authorization: Bearer " + READ_TOKEN.encode() + b"x\r\n",
        b"Authorization: Bearer " + READ_TOKEN.upper().encode() + b"\r\n",
        b"Authorization: Bearer\r\n",
        b"Authorization: Bearer \r\n",
        b"Authorization: Basic " + READ_TOKEN.encode() + b"\r\n",
        b"Authorization: " + READ_TOKEN.encode() + b"\r\n",
        b"Authorization: Bearer " + b"a" * 6000 + b"\r\n",
        b"Authorization: Bearer " + READ_TOKEN.encode() + b"\x00\r\n",
    ]
    for i, header in enumerate(wrong):
        expect(f"reads with wrong token #{i + 1}", get(path, header), denied)
    expect("reads with the right token",
           get(path, b"Authorization: Bearer " + READ_TOKEN.encode() + b"\r\n"), {200})


def main():
    global CSRF
    token = session_token(PORT)
    CSRF = f"Cookie: kpi_csrf={token}\r\nX-KPI-CSRF-Token: {token}\r\n"
    healthy("/healthz at start")
    check_slow_clients()
    check_more_connections_than_threads()
    check_http_framing()
    check_bodies()
    check_read_tokens()
    expect("a normal POST at the end", normal_post(), {200})


if __name__ == "__main__":
    main()

#!/bin/bash
# Free text cannot carry personal data (issue 13, point 5), through a real kpid
# with the default schema: every string of tests/fixtures/pii-corpus.txt (email
# addresses, IPv4/IPv6 addresses, URLs, User-Agent strings), as sent and upper-
# cased, is posted as an event name and as each user_agent member, next to a
# valid blob in the same batch. Each is rejected with its field named, the
# valid blob is stored, and nothing of any corpus string reaches the store or
# kpid's log. {} and an empty event_stream are rejected too.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}"
CORPUS=$FIXTURES/pii-corpus.txt

D=$WORK/data
start_kpid p "$D" --max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id pii
PYTHONPATH=$KPI_SOURCE_DIR/tests/integration python3 - "$PORT_p" "$CORPUS" <<'PY' || fail "a corpus string was not rejected as expected"
import json, sys
from kpi_csrf import IngestClient
port, corpus = int(sys.argv[1]), sys.argv[2]
lines = [l.rstrip("\n") for l in open(corpus, encoding="utf-8")]
lines = [l for l in lines if l and not l.startswith("#")]
assert len(lines) >= 20, len(lines)
post = IngestClient(port).post

valid = {"event_stream": [["picker::signin", 1]],
         "user_agent": {"os": "Windows NT 6.1", "browser": "Chrome", "version": "21.0"}}
posts = 0
for line in lines:
    for text in (line, line.upper()):
        blobs = [{"event_stream": [["screen.rp_info", 1], [text, 2]]},
                 {"event_stream": [["picker", 1]], "user_agent": {"os": text}},
                 {"event_stream": [["picker", 1]], "user_agent": {"browser": text}},
                 {"event_stream": [["picker", 1]], "user_agent": {"version": text}},
                 valid]
        answer = post(blobs)
        posts += 1
        fields = [(r["index"], r["field"]) for r in answer["rejected"]]
        want = [(0, "event_stream[1][0]"), (1, "user_agent.os"), (2, "user_agent.browser"),
                (3, "user_agent.version")]
        if answer["stored"] != 1 or fields != want:
            sys.exit("%r: %r" % (text, answer))
        if text.lower() in json.dumps(answer).lower():
            sys.exit("%r: the answer echoes the value" % text)
for blob, field, reason in (({}, "event_stream", "missing"),
                            ({"event_stream": []}, "event_stream", "too few items (min 1)")):
    answer = post([blob])
    if answer["stored"] != 0 or answer["rejected"] != [{"index": 0, "field": field, "reason": reason}]:
        sys.exit("%r: %r" % (blob, answer))
print("posted %d batches" % posts)
PY
stop_kpid p
"$KPICTL" --data-dir "$D" export >"$WORK/stored.jsonl" || fail "export failed"
n=$(wc -l <"$WORK/stored.jsonl")
corpus_lines=$(grep -cv '^#' "$CORPUS")
check "only the valid blobs are stored ($n)" test "$n" -eq $((2 * corpus_lines))
grep -v '^#' "$CORPUS" >"$WORK/patterns"
grep -iqFf "$WORK/patterns" "$WORK/stored.jsonl" && fail "a corpus string reached the store"
grep -iqFf "$WORK/patterns" "$WORK/p.log" && fail "a corpus string reached kpid's log"
grep -q '"os":"Windows NT 6.1","browser":"Chrome","version":"21.0"' "$WORK/stored.jsonl" ||
  fail "the real user_agent values were not stored as sent"
echo "PASS ($n valid blobs stored, every corpus string rejected)"

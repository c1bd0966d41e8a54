#!/bin/bash
# Soak: writing, maintenance, reading and crashes at once, for a bounded time
# (KPI_SOAK_SECONDS, default 60; KPI_SOAK_SEED picks the kill moments):
#  - kpid_loader.py posts numbered records into the last four hours (three
#    finished ones, which kpid seals every few seconds, and the current one);
#  - a maintenance loop seeds three hours of 2012-06-01 (kpi-mkstore), runs
#    `kpictl compact` over the whole store, the loaded hours included, and
#    `kpictl purge 2012-06-01`, which must remove exactly those three hours,
#    round after round without a pause;
#  - an export loop: each `kpictl export` is JSON lines with no _id twice and
#    holds every record acknowledged before it began, once;
#  - `kpictl tail -f --cursor-file` follows the store all along;
#  - kpid is SIGKILLed every 3-8 s and restarted on its data dir and port.
# tail -f starts on a store that already holds segments (the seeded day).
# At the end: every acknowledged record is stored exactly once and tail -f
# printed it exactly once (a tail restarted from its cursor prints nothing
# more), nothing of 2012-06-01 is left, `kpictl verify` is clean, and the
# kills, compactions, purges and exports reached minima scaled to the run.
# Records kpid stored without an answer (a kill mid-request) may be anywhere.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?}" "${KPI_BINARY_DIR:?}"
MKSTORE=$KPI_BINARY_DIR/bench/kpi-mkstore
[ -x "$MKSTORE" ] || { echo "SKIP: $MKSTORE not built"; exit 77; }

DURATION=${KPI_SOAK_SECONDS:-60}
SEED=${KPI_SOAK_SEED:-20130221}
RANDOM=$SEED
echo "soak: $DURATION s, seed $SEED (set KPI_SOAK_SECONDS, KPI_SOAK_SEED to change)"

D=$WORK/data
ACKED=$WORK/acked
STOP=$WORK/stop
FAILED=$WORK/background-failures.log  # fail() shows every *.log
WRITER=soak
OPTS=(--max-age 0 --seal-grace 0s --min-free-bytes 0 --writer-id "$WRITER")
OLD_DAY=2012-06-01
OLD_HOURS=3
NUMBERS=$KPI_SOURCE_DIR/tests/integration/kpi_record_numbers.py

ctl() { "$KPICTL" --data-dir "$D" "$@"; }
count() { echo >>"$WORK/count.$1"; }
counted() { cat "$WORK/count.$1" 2>/dev/null | wc -l; }

# Runs a loop in a subshell whose fail() is written to $FAILED (a plain fail
# would only end the subshell); the loop stops once $STOP exists.
in_background() {
  (
    fail() {
      echo "FAIL: $*" >>"$FAILED"
      exit 1
    }
    "$@"
  ) &
  STARTED_PIDS+=("$!")
}

seed_old_day() {  # seed_old_day ROUND: sealed segments of writer old<ROUND>
  "$MKSTORE" --data-dir "$D" --records $((OLD_HOURS * 30)) --hours $OLD_HOURS --from $OLD_DAY \
    --writer "old$1" --seed "$1" >/dev/null 2>"$WORK/mkstore.err" ||
    fail "seeding $OLD_DAY (round $1): $(cat "$WORK/mkstore.err")"
}

# Rounds back to back, at full speed (several compactions of the loaded
# hours between two 200 ms polls of tail -f): seed the old day, compact
# everything, purge the old day.
maintain() {
  local round=0 removed
  while [ ! -e "$STOP" ]; do
    round=$((round + 1))
    seed_old_day "$round"
    ctl -q compact --level 3 >"$WORK/compact.out" 2>"$WORK/compact.err" ||
      fail "compact (round $round) exited $?: $(cat "$WORK/compact.err")"
    count compactions
    # One line per hour merged; count those kpid is writing to.
    grep ' -> compact-' "$WORK/compact.out" | grep -v "^$OLD_DAY" >>"$WORK/loaded-hours-compacted"
    ctl purge $OLD_DAY >"$WORK/purge.out" 2>"$WORK/purge.err" ||
      fail "purge (round $round) exited $?: $(cat "$WORK/purge.err")"
    removed=$(grep -c "^removed $OLD_DAY" "$WORK/purge.out")
    [ "$removed" = $OLD_HOURS ] ||
      fail "purge (round $round) removed $removed hours, not the $OLD_HOURS seeded:" \
        "$(cat "$WORK/purge.out")"
    count purges
  done
}

# Exports the whole store, again and again, each checked on its own.
export_all() {
  local n=0
  while [ ! -e "$STOP" ]; do
    n=$((n + 1))
    acked_snapshot "$WORK/export.acked"
    ctl export >"$WORK/export.jsonl" 2>"$WORK/export.err" ||
      fail "export $n exited $?: $(cat "$WORK/export.err")"
    python3 "$NUMBERS" "$WORK/export.jsonl" $WRITER >"$WORK/export.numbers" ||
      fail "export $n is not clean JSON lines"
    check_exactly_once "$WORK/export.acked" "$WORK/export.numbers" "export $n"
    count exports
  done
}

# Sleeps about $1 ms, failing early when a background part failed or died.
# By the clock, not by counting 100 ms sleeps, which a loaded machine stretches.
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
watch() {
  local until=$(($(now_ms) + $1))
  while [ "$(now_ms)" -lt "$until" ]; do
    [ -s "$FAILED" ] && fail "$(cat "$FAILED")"
    kill -0 "$LOADER" 2>/dev/null || fail "the loader stopped: $(cat "$WORK/loader.log")"
    expect_alive "k$kills"  # a crash between two kills is not mistaken for one
    kill -0 "$TAIL" 2>/dev/null || fail "tail -f stopped: $(cat "$WORK/tail.err")"
    sleep 0.1
  done
}

tail_has_every_ack() {
  python3 "$NUMBERS" "$WORK/tail.out" $WRITER >"$WORK/tail.numbers" || return 1
  [ -z "$(comm -23 <(sort -u "$ACKED") <(sort -u "$WORK/tail.numbers") | head -n 1)" ]
}

# ------------------------------------------------------------------ run
seed_old_day 0  # tail -f -n 0 must start on a store with segments
start_kpid k0 "$D" "${OPTS[@]}"
"$KPICTL" --data-dir "$D" tail -f -n 0 --cursor-file "$WORK/tail.cursor" \
  >"$WORK/tail.out" 2>"$WORK/tail.err" &
TAIL=$!
STARTED_PIDS+=("$TAIL")
first_hour=$((($(date +%s) / 3600 - 3) * 3600000))
start_loader "$PORT_k0" 4 --wide-numbers --base-ts $first_hour --hours 4
wait_for_acks 100
in_background maintain
MAINTAIN=$!
in_background export_all
EXPORTS=$!

deadline=$((SECONDS + DURATION))
kills=0
while :; do
  pause_ms=$((3000 + RANDOM % 5000))
  [ $((SECONDS * 1000 + pause_ms)) -lt $((deadline * 1000)) ] || break
  watch $pause_ms
  restart_kpid "k$kills" "k$((kills + 1))" "$D" "${OPTS[@]}"
  kills=$((kills + 1))
done
watch $(((deadline - SECONDS) * 1000))
wait_for_acks 100  # the last kpid takes records too

# ------------------------------------------------------------------ stop
touch "$STOP"
wait_bounded "$LOADER" 30 "the loader"
wait_bounded "$MAINTAIN" 120 "the maintenance loop"
wait_bounded "$EXPORTS" 120 "the export loop"
[ -s "$FAILED" ] && fail "$(cat "$FAILED")"
acked=$(acked_count)

# tail -f polls every 200 ms: wait (bounded) until it printed every ack.
for ((i = 0; i < 100; i++)); do
  tail_has_every_ack && break
  sleep 0.2
done
stop_kpid "k$kills"
check "kpid exits 0 on SIGTERM after $kills kills (got $STOP_RC)" test "$STOP_RC" = 0
kill -TERM "$TAIL"
wait_bounded "$TAIL" 10 "tail -f (after SIGTERM)"
python3 "$NUMBERS" "$WORK/tail.out" $WRITER >"$WORK/tail.numbers" ||
  fail "tail -f printed a broken line"
check_exactly_once "$ACKED" "$WORK/tail.numbers" "tail -f"
ctl tail --cursor-file "$WORK/tail.cursor" >"$WORK/tail-again.out" 2>"$WORK/tail.err" ||
  fail "tail from the cursor file failed: $(cat "$WORK/tail.err")"
check "a tail restarted from the cursor prints nothing more" test ! -s "$WORK/tail-again.out"

# ------------------------------------------------------------------ the store
ctl -q compact --level 3 >/dev/null 2>"$WORK/compact.err" ||
  fail "final compact: $(cat "$WORK/compact.err")"
ctl export >"$WORK/final.jsonl" 2>"$WORK/export.err" ||
  fail "final export: $(cat "$WORK/export.err")"
python3 "$NUMBERS" "$WORK/final.jsonl" $WRITER >"$WORK/stored" ||
  fail "the final export is not clean"
check_exactly_once "$ACKED" "$WORK/stored" "the store"
check "nothing of $OLD_DAY is left" test ! -e "$D/segments/2012"
ctl export $OLD_DAY >"$WORK/old.jsonl" || fail "export of $OLD_DAY failed"
check "no record of $OLD_DAY is exported" test ! -s "$WORK/old.jsonl"
ctl verify >"$WORK/verify.out" 2>"$WORK/verify.err" ||
  fail "kpictl verify exited $?: $(head -n 20 "$WORK/verify.err")"

hours=$(cat "$WORK/loaded-hours-compacted" 2>/dev/null | wc -l)
check "compaction merged hours kpid was writing to" test "$hours" -gt 0
# Minima scaled to the run's length, so that a run where a part stalled or
# never ran (no kill, no compaction) fails instead of passing quietly:
# kills every 3-8 s (plus a restart) leave about one per 6 s, at least one
# per 15 s is asked; maintenance rounds run back to back and took under a
# second each on a loaded 2-core machine (one per 6 s asked); exports read
# the whole growing store (one per 20 s asked); the loader acknowledged
# about 1000 records a second (20 asked).
at_least() {  # at_least WHAT GOT MIN
  check "the soak's $1: $2, at least $3 expected in $DURATION s" test "$2" -ge "$3"
}
per() { local n=$((DURATION / $1)); echo $((n > 0 ? n : 1)); }
at_least "kills" "$kills" "$(per 15)"
at_least "compactions" "$(counted compactions)" "$(per 6)"
at_least "purges" "$(counted purges)" "$(per 6)"
at_least "exports" "$(counted exports)" "$(per 20)"
at_least "records acknowledged" "$acked" "$((DURATION * 20))"
echo "soak: $DURATION s, seed $SEED, records acknowledged $acked," \
  "stored $(wc -l <"$WORK/stored")," \
  "kills survived $kills, compactions $(counted compactions) (of loaded hours $hours)," \
  "purges $(counted purges), exports $(counted exports), tailed $(wc -l <"$WORK/tail.numbers")," \
  "records lost 0, duplicated 0, verify clean"

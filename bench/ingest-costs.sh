#!/bin/bash
# What one single-blob POST costs kpid, beside the servers it is held to: the
# figures behind bench/README step 17 and the README's account of the missed
# ingest targets. For kpid (--sync batch, or always), kpid without storage and
# the cpp-httplib ceiling (`kpid-ceiling --mode no-storage|empty`), each under
# wrk's load (64 connections, one blob per POST):
#   - requests/s and p99, then the server's CPU time and context switches per
#     request over the same load (/proc/PID/stat utime + stime, and the
#     switches of every thread in /proc/PID/task/*/status);
#   - system calls per request, from `strace -c -f` over a second load
#     (strace slows the server down; the counts per request hold);
#   - with `always`, the median time of kpid's fdatasync calls (`strace -T`).
# No target: these explain ingest.sh's figures, they are not one.
#   bench/ingest-costs.sh [batch|always] [--quick]
source "$(dirname "$0")/lib.sh"
SYNC=${ARGS[0]:-batch}
case $SYNC in batch | always) ;; *) die "unknown sync mode '$SYNC': batch or always" ;; esac
command -v strace >/dev/null || die "strace is not installed (apt-get install strace)"
LOAD_S=5
STRACE_LOAD_S=3
[ "$QUICK" = 1 ] && LOAD_S=1 STRACE_LOAD_S=1
BODIES=$BENCH_WORK/bodies.jsonl
gen_bodies "$BODIES" "$([ "$QUICK" = 1 ] && echo 100 || echo 4000)" 1

# cpu_ticks PID: user + system clock ticks of the process, all its threads.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# switches PID: voluntary + involuntary context switches of its live threads.
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches:/ { n += $2 } END { print n + 0 }'; }

# costs NAME PID PORT: one line of requests/s, p99, CPU and switches per request.
costs() {
  local name=$1 pid=$2 port=$3 ticks switched rate p99 bad
  wrk_post "$port" 1s "$BODIES" >/dev/null  # warm-up
  ticks=$(cpu_ticks "$pid") switched=$(switches "$pid")
  read -r rate p99 bad <<<"$(wrk_post "$port" "${LOAD_S}s" "$BODIES")"
  ticks=$(($(cpu_ticks "$pid") - ticks)) switched=$(($(switches "$pid") - switched))
  local requests=$((rate * LOAD_S))
  ((requests > 0)) || die "$name stored nothing under the load"
  printf '%-19s %6d requests/s, p99 %6.2f ms, CPU %5.1f us and %4.2f context switches per request\n' \
    "$name" "$rate" "$p99" "$(calc "$ticks / $(getconf CLK_TCK) * 1e6 / $requests")" \
    "$(calc "$switched / $requests")"
}

# syscalls NAME PID PORT: system calls per request under strace, the most
# frequent first; with `always`, also the median fdatasync time.
syscalls() {
  local name=$1 pid=$2 port=$3 rate out=$BENCH_WORK/strace-${1// /-}.out filter=()
  [ "$SYNC" = always ] && [ "$name" = kpid ] && filter=(-T -e trace=fdatasync -o "$out.T")
  timeout -s INT $((STRACE_LOAD_S + 2)) strace -c -f -p "$pid" -o "$out" 2>/dev/null &
  local tracer=$!
  sleep 0.5
  read -r rate _ _ <<<"$(wrk_post "$port" "${STRACE_LOAD_S}s" "$BODIES")"
  wait "$tracer" || true
  awk -v name="$name" -v n=$((rate * STRACE_LOAD_S)) '
    $NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" && n > 0 { per[$NF] = $4 / n }
    END {
      line = sprintf("%-19s system calls per request:", name)
      for (k = 0; k < 8; k++) {  # the 8 most frequent
        best = ""; for (c in per) if (best == "" || per[c] > per[best]) best = c
        if (best == "" || per[best] < 0.005) break
        line = line sprintf(" %s %.2f", best, per[best]); delete per[best]
      }
      print line
    }' "$out"
  if [ ${#filter[@]} -gt 0 ]; then
    timeout -s INT $((STRACE_LOAD_S + 2)) strace -f -p "$pid" "${filter[@]}" 2>/dev/null &
    tracer=$!
    sleep 0.5
    wrk_post "$port" "${STRACE_LOAD_S}s" "$BODIES" >/dev/null
    wait "$tracer" || true
    sed -n 's/.*fdatasync(.*<\([0-9.]*\)>$/\1/p' "$out.T" | sort -g |
      awk '{ v[NR] = $1 } END { if (NR) printf "%-19s fdatasync: %d calls, median %.3f ms\n", "kpid", NR, v[int((NR + 1) / 2)] * 1000 }'
  fi
}

echo "single-blob POSTs, $CONNECTIONS connections, kpid --sync $SYNC; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
start_kpid "$BENCH_WORK/store" "$BENCH_WORK/kpid.log" --sync "$SYNC"
costs kpid "$KPID_PID" "$KPID_PORT"
syscalls kpid "$KPID_PID" "$KPID_PORT"
stop_pid "$KPID_PID"
for mode in no-storage empty; do
  start_ceiling "$mode"
  costs "ceiling $mode" "$CEILING_PID" "$CEILING_PORT"
  syscalls "ceiling $mode" "$CEILING_PID" "$CEILING_PORT"
  stop_pid "$CEILING_PID"
done

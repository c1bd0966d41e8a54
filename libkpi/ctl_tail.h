// kpictl tail: the newest records of a store by arrival, then (with -f)
// every record kpid appends, as stored JSON lines on stdout.
//
//   tail [-n N]             the N newest (default 10), oldest first
//   tail -f                 then follow: poll the WALs every --poll (200ms)
//   tail --cursor-file F    if F exists, print everything after it instead of
//                           the N newest, then save the new position in F
//                           (atomically replaced after each poll's output)
// A followed WAL that kpid seals keeps being read through its descriptor to
// its end, and the segment sealed from it is not read again, so no record is
// printed twice or skipped (store_tail.h, tail_cursor.h). -f stops on SIGINT
// or SIGTERM after the current poll, saving the cursor; a restarted tail with
// the same cursor file goes on where it stopped. Only a crash between
// printing and saving can repeat the records of that one poll.
//
// Thread-safety: installs SIGINT/SIGTERM handlers while following.
#pragma once

#include <cstdint>
#include <string>

#include "libkpi/ctl_common.h"
#include "libkpi/time_util.h"

namespace kpi {

struct TailArgs {
  QueryArgs query;
  uint64_t count = 10;
  bool follow = false;
  std::string cursor_file;
  int64_t poll_ms = 200;
  int64_t lookback_ms = 48 * kMsPerHour;  // where new segments are looked for
};

int RunTail(const TailArgs& args);

}  // namespace kpi

// kpictl purge: the command around Purger (purger.h).
//
// Output on stdout: one line per hour, oldest first, then a total line:
//   removed 2026-11-29T18  3 segments  1.2 MiB  (--before)
//   freed 3.4 MiB: 2 hours, 5 segments, 0 WALs; the store used 10.0 MiB
// With --dry-run the words are "would remove" and "would free", and nothing
// changes. A limit that cannot be met by removing closed hours is a note on
// stderr (the purge still removes what it may; exit 0). No limit given, a
// bad time, size or percentage: exit 1; another compaction or purge
// running, --include-open meeting a running kpid, I/O errors: exit 2.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libkpi/ctl_common.h"

namespace kpi {

struct PurgeArgs {
  QueryArgs query;  // data dirs, positional range, quiet
  std::string before;
  std::string max_bytes;
  std::string keep_free;
  std::optional<double> keep_free_percent;
  bool include_open = false;
  bool dry_run = false;
};

int RunPurge(const PurgeArgs& args);

}  // namespace kpi

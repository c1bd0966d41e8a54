// kpictl compact: the command around Compactor (compactor.h).
//
// Output: one line per compacted hour on stdout
//   2026-11-29T18  4 segments -> compact-0000000000000001.kpi.zst  12000 records  3.1 MiB -> 1.2 MiB
// then a total line. Notes (hours already compact, an interrupted
// compaction finished) on stderr unless -q; damaged inputs on stderr, and
// their hours are left alone: exit 3. Busy (another compaction or purge)
// and I/O errors: exit 2; a bad range or level: exit 1.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "libkpi/compactor.h"
#include "libkpi/ctl_common.h"

namespace kpi {

struct CompactArgs {
  QueryArgs query;  // data dirs, range, quiet
  int zstd_level = kDefaultCompactZstdLevel;
  std::string block_size = "4M";
};

int RunCompact(const CompactArgs& args);

}  // namespace kpi

// kpictl ls: the files holding a range's hours: segments and WALs, with
// hour, writer, seq, state, records, bytes, uncompressed bytes and ratio.
//
// States: sealed (a segment kpid sealed), compacted (written by compaction),
// open-wal (a WAL kpid may still append to), superseded (a compaction input
// not yet deleted: its records are read from the compacted segment) and
// sealed-wal (a WAL whose segment exists: its records are read from the
// segment). The last two are leftovers of a crash that recovery or the next
// compaction removes; ls shows them so nothing on disk is invisible.
//
// Output: an aligned table with a total line, or with --json one object per
// file per line: {"hour","writer","seq","state","records","bytes",
// "raw_bytes","ratio","path"}.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/ctl_common.h"

namespace kpi {

struct LsArgs {
  QueryArgs query;
  bool json = false;
};

struct StoreFileInfo {
  FileKey key;
  std::string path;
  std::string state;
  uint64_t records = 0;
  uint64_t bytes = 0;      // on disk
  uint64_t raw_bytes = 0;  // the JSON lines it holds
};

// Describes every file of the hours overlapping `range`, hour by hour.
Status ListStoreFiles(const std::vector<std::string>& data_dirs, const TimeRange& range,
                      std::vector<StoreFileInfo>* files, ReadProblems* problems);

std::string FormatLs(const std::vector<StoreFileInfo>& files, bool json);

int RunLs(const LsArgs& args);

}  // namespace kpi

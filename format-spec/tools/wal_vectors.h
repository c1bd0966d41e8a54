// The write-ahead-file vectors and the store vector of kpi-vectors
// (format-spec/vectors/README.md). Not thread-safe (a tool's single thread).
#pragma once

#include <string>
#include <vector>

#include "libkpi/format/record.h"
#include "libkpi/util/status.h"

namespace kpi::vectors {

// The records of the `compacted` vector and the inputs its header names.
std::vector<Record> CompactedRecords();
std::vector<std::string> CompactedInputNames();

// wal-good, wal-torn, wal-zero-prefill, wal-bad-frame-crc, wal-bad-header
// (wal.md §5, §6): one WAL of 6 records and copies of it damaged.
Status WriteWalVectors(const std::string& dir);

// store-compacted-input/: a data directory holding the `compacted` segment,
// one of its inputs still present and the WAL of the other input, sealed
// (segment.md §7, §10, wal.md §5): its export is the compacted records once.
Status WriteStoreVector(const std::string& dir);

}  // namespace kpi::vectors

// Compactor: `kpictl compact` merges the sealed segments of each hour into
// one compacted segment, re-compressed harder and in larger blocks
// (format-spec/segment.md §3 flag *compacted*, §7).
//
// One hour of one data directory at a time:
//   1. take the hour's segments (the HourSnapshot protocol; superseded
//      leftovers are already gone, see FinishInterruptedCompactions). WALs are
//      never touched: a segment kpid is still writing is a ".tmp" file and
//      never listed, so every listed segment is sealed and safe to merge —
//      except one whose WAL still exists (kpid between publishing it and
//      unlinking the WAL, or crashed there): readers recognise that WAL as
//      sealed only by its segment's name, so that segment waits for the
//      next compaction;
//   2. skip the hour when it holds a single compacted segment, or when an
//      input is damaged (its records would be lost with the input: the
//      problem is reported and the hour left for `kpictl verify`);
//   3. k-way merge the inputs in order-key order (timestamp, _id), memory
//      one block per input, into compact-<seq>.kpi.zst (seq = 1 + the
//      largest compact seq of the hour) whose header lists the inputs'
//      names and every name a compacted input listed (so the names of the
//      files kpid wrote survive repeated compaction: kpictl tail and kpid's
//      recovery look for them); ids are kept, a record present in two
//      inputs is written once;
//   4. publish it atomically (SegmentWriter: temp, fsync, rename, dir fsync),
//      crash point "compact.published", unlink the inputs one by one (crash
//      point "compact.unlinked_one" after the first), fsync the directory.
// A reader running meanwhile sees each record once: before the publish it
// reads the inputs, after it the compacted segment, which names the inputs
// it supersedes (hour_snapshot.h). A crash leaves at worst the output plus
// some inputs; FinishInterruptedCompactions unlinks those, and deletes a
// leftover ".compact-*.tmp" of a compaction that never published.
//
// Several data directories: each is compacted on its own. The superseded
// names of a compacted segment are names in its own directory (§7), so a
// merge across directories could not be made crash-safe for readers; hours
// of different writers that share a data directory are merged, which is
// what a multi-writer store needs ("compaction merges segments of one hour
// from different writers into one, keeping ids").
//
// Thread-safety: a Compactor is used by one thread. Two compactions (or a
// compaction and a purge) of one data directory exclude each other through
// MaintenanceLock; the second gets Busy.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libkpi/read/read_problem.h"
#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/util/time_range.h"

namespace kpi {

// Measured on generated dialog records (bench/compact-levels.md): only
// level 19 (btultra2) stores within 5% of `zstd -19` of the same JSON lines
// as one file — 1.4% above it with 4 MiB blocks, 4.1% with 1 MiB; levels
// 16-18 land at 5-6%, 15 and below at 14% or more. Compaction is a batch job
// run once per hour of data, so it pays -19's speed (~1 MB/s per core).
constexpr int kDefaultCompactZstdLevel = 19;
constexpr size_t kCompactBlockBytes = 4 << 20;

struct CompactOptions {
  std::vector<std::string> data_dirs;
  TimeRange range = TimeRange::All();  // hours overlapping it are compacted
  int zstd_level = kDefaultCompactZstdLevel;
  size_t block_bytes = kCompactBlockBytes;
  bool sync = true;  // fsync output and directories (tests may skip)
  FileSystem* fs = nullptr;  // not owned; null: FileSystem::Default()
};

// One hour that was compacted.
struct CompactedHour {
  std::string data_dir;
  int64_t hour_ms = 0;
  std::string output;          // path of the compacted segment
  size_t inputs = 0;           // segments merged
  uint64_t records = 0;        // records written
  uint64_t duplicates = 0;     // records found in two inputs, written once
  uint64_t bytes_before = 0;   // sum of the inputs' sizes
  uint64_t bytes_after = 0;    // the output's size
};

// What a crash left behind and the roll-forward removed.
struct RollForwardResult {
  uint64_t inputs_removed = 0;  // superseded inputs whose compacted segment was published
  uint64_t temps_removed = 0;   // ".compact-*.tmp" of compactions that never published
};

struct CompactResult {
  std::vector<CompactedHour> hours;
  uint64_t hours_already_compact = 0;
  RollForwardResult rolled_forward;
  ReadProblems problems;  // damaged inputs; their hours were left alone
};

class Compactor {
 public:
  explicit Compactor(CompactOptions options);

  // Takes the maintenance locks of every data dir (Busy if held), rolls
  // interrupted compactions forward, then compacts every hour of the range
  // that has more than one segment or a single uncompacted one. `on_hour`
  // (optional) is called after each hour is published and its inputs are
  // gone. Stops at the first I/O error; damaged inputs are not errors
  // (result->problems lists them).
  Status Run(CompactResult* result,
             const std::function<void(const CompactedHour&)>& on_hour = nullptr);

 private:
  CompactOptions options_;
};

// Roll-forward after a crash (segment.md §7): in every hour directory of
// `range`, unlinks the inputs that a published compacted segment
// supersedes, and deletes leftover ".compact-*.tmp" files. The caller must
// hold the data dir's MaintenanceLock (a running compaction's temp file
// would otherwise be deleted under it). Never touches WALs or kpid's own
// ".<writer>-<seq>.kpi.zst.tmp" files.
Status FinishInterruptedCompactions(const StoreLayout& layout, const TimeRange& range,
                                    RollForwardResult* result);

// For kpid at start: takes the maintenance lock and rolls the whole data dir
// forward. Returns OK without doing anything when a kpictl compact or purge
// holds the lock (that run rolls forward itself).
Status RollForwardCompactions(const std::string& data_dir, RollForwardResult* result,
                              FileSystem* fs = nullptr);

}  // namespace kpi

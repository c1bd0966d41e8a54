// Purger: `kpictl purge` and kpid's retention delete whole hours of a store.
//
// The unit is one hour of one data directory: its segments (compacted or
// not) and, only with include_open, its WALs. What goes is the union of what
// each given limit selects (the strictest wins):
//   before       hours that end at or before this instant
//   range        hours lying entirely inside [from, to)
//   max_bytes    the oldest hours until the store (segments + WALs of every
//                data dir) uses at most this many bytes
//   keep_free_*  the oldest hours of the data dirs on one file system until
//                its free space (statvfs, as an unprivileged user sees it)
//                reaches this many bytes / this percentage of its size
// An hour is *open* while it has a WAL or is the current hour (or later):
// kpid may still write to it. Open hours are never selected unless
// include_open, and then only when no running kpid holds the lock of a
// WAL's writer (writers/<w>/lock); otherwise the purge is refused before it
// removes anything. "Through kpid's own path" therefore means: stop kpid
// first, or let kpid's retention (retention.h) remove the hour once sealed.
// Budgets skip open hours and go on with the next oldest closed one.
//
// Works on a 100% full disk: no temporary file, no allocation beyond the
// listing, only unlink(2), rmdir(2) of emptied hour/day/month/year
// directories and one fsync per directory left standing (fsync needs no
// space). Safe while readers read: a reader that opened a file keeps its
// descriptor, and HourSnapshot retries when a listed file is gone. Fast:
// sizes come from the listing, and directories are synced once, not per file.
//
// Thread-safety: a Purger is used by one thread; purges, compactions and
// kpid's retention of one data dir exclude each other through
// MaintenanceLock (Busy), except on a disk too full to create the lock file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/util/time_range.h"

namespace kpi {

struct PurgeOptions {
  std::vector<std::string> data_dirs;
  std::optional<int64_t> before_ms;
  std::optional<TimeRange> range;
  std::optional<uint64_t> max_bytes;
  std::optional<uint64_t> keep_free_bytes;
  std::optional<double> keep_free_percent;  // 0..100
  bool include_open = false;
  bool dry_run = false;
  bool sync = true;       // fsync directories (tests may skip)
  // Roll interrupted compactions forward first (compactor.h), in the hours
  // whose listing shows a compacted segment beside others. Leftover
  // ".compact-*.tmp" files are left to the next `kpictl compact`.
  bool roll_forward = true;
  int64_t now_ms = 0;     // 0: fs's clock
  FileSystem* fs = nullptr;  // not owned; null: FileSystem::Default()

  bool AnyLimit() const {
    return before_ms || range || max_bytes || keep_free_bytes || keep_free_percent;
  }
};

// The limit that chose an hour, or that stays unmet. Front ends name it as
// their users know it (kpictl's flags, kpid's options).
enum class PurgeLimit { kBefore, kRange, kMaxBytes, kKeepFree };

// "age", "range", "size budget", "free-space goal": for logs.
const char* PurgeLimitName(PurgeLimit limit);

// One hour of one data directory that the purge removes.
struct PurgeUnit {
  std::string data_dir;
  int64_t hour_ms = 0;
  std::vector<ListedFile> segments;
  std::vector<ListedFile> wals;  // removed only with include_open
  uint64_t bytes = 0;            // listed sizes of segments and WALs
  bool open = false;             // has a WAL or is the current hour
  PurgeLimit limit = PurgeLimit::kBefore;  // the limit that selected it
};

struct PurgeResult {
  std::vector<PurgeUnit> removed;    // ascending by hour (dry run: would be removed)
  uint64_t bytes_removed = 0;
  uint64_t segments_removed = 0;
  uint64_t wals_removed = 0;
  uint64_t store_bytes_before = 0;
  // Limits that remain unmet after removing every hour they may take (e.g.
  // the free-space goal of a disk filled by something else).
  struct Unmet {
    PurgeLimit limit;
    uint64_t goal_bytes;  // the budget or free-space goal
    std::string detail;   // what stands in the way
  };
  std::vector<Unmet> unmet;
};

class Purger {
 public:
  explicit Purger(PurgeOptions options);

  // Takes the maintenance lock, rolls interrupted compactions forward,
  // selects the hours and (unless dry_run) removes them, oldest first,
  // calling `on_unit` after each hour is gone (dry run: for each hour that
  // would go). InvalidArgument without any limit; Busy when another
  // compaction or purge runs, or when include_open meets a running kpid.
  Status Run(PurgeResult* result, const std::function<void(const PurgeUnit&)>& on_unit = nullptr);

 private:
  PurgeOptions options_;
};

}  // namespace kpi

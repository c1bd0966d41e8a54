// HourSnapshot: a consistent, open view of the files of one hour across one
// or more data directories, so a reader sees every record of the hour exactly
// once while kpid seals WALs and kpictl compacts or purges.
//
// Why this works. Records move between files only in two ways, and both
// publish the new file before removing the old one:
//   seal:    WAL W  →  segment S with W's key (S published, then W unlinked)
//   compact: inputs I1..In  →  compact-<seq> listing I1..In in its header
//            (output published, then the inputs unlinked)
// Open() therefore, per data directory:
//   1. lists the hour's WALs, THEN its segments. A WAL sealed in between shows
//      up as its segment; one sealed later is still listed as a WAL. Listing
//      in the other order could miss a WAL that was sealed after the segment
//      listing and unlinked before the WAL listing.
//   2. drops every WAL whose segment (same FileKey) is listed, or is named
//      superseded by a compacted segment of step 3: that segment (or the
//      compaction of it) holds the same records (a crash between publish and
//      unlink leaves both; wal.md §5);
//   3. opens every segment (SegmentReader keeps the descriptor) and drops the
//      segments named as superseded in a listed compacted segment's header;
//   4. opens every remaining WAL with open(2);
//   5. lists both again and compares the names. If any open failed with
//      NotFound or the names changed (a seal or compaction ran meanwhile, or
//      readdir raced an unlink and a rename), it closes everything and starts
//      over, a bounded number of times, then gives up with Busy.
// Once Open returns, every record is read through a descriptor: a seal,
// compaction or purge that unlinks a file afterwards cannot hide or double a
// record. A live WAL keeps growing; readers read its valid prefix as of the
// moment they scan it (records appended later are simply newer than the
// snapshot).
//
// Thread-safety: a snapshot is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "libkpi/read/read_problem.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/util/time_range.h"
#include "libkpi/format/wal.h"

namespace kpi {

// One file of a snapshot, open for reading.
class SnapshotFile {
 public:
  enum class Kind { kSegment, kWal };

  // Reads through `layout`'s FileSystem.
  SnapshotFile(Kind kind, ListedFile listed, const StoreLayout& layout);
  ~SnapshotFile();
  SnapshotFile(const SnapshotFile&) = delete;
  SnapshotFile& operator=(const SnapshotFile&) = delete;

  Kind kind() const { return kind_; }
  bool is_wal() const { return kind_ == Kind::kWal; }
  const FileKey& key() const { return listed_.key; }
  const std::string& path() const { return listed_.path; }
  uint64_t listed_size() const { return listed_.size; }
  const std::string& data_dir() const { return data_dir_; }

  // Opens the file. NotFound if it vanished since the listing.
  Status Open();
  // Segments: the open reader (never null after Open succeeded).
  SegmentReader* segment() const { return segment_.get(); }
  // WALs: the descriptor; ScanWal reads the valid prefix through it
  // (see ScanWalReporting).
  int wal_fd() const { return wal_fd_; }
  Status ScanWal(const std::function<bool(const wal::WalRecord&)>& fn, wal::WalScanResult* result,
                 ReadProblems* problems) const;

 private:
  Kind kind_;
  ListedFile listed_;
  std::string data_dir_;
  FileSystem* fs_;
  std::unique_ptr<SegmentReader> segment_;
  int wal_fd_ = -1;
};

// A file that was listed but is not part of the snapshot, and why.
struct SkippedFile {
  ListedFile listed;
  std::string reason;  // "sealed: segments/.../w-0001.kpi.zst holds its records", ...
  bool is_wal = false;
};

class HourSnapshot {
 public:
  HourSnapshot() = default;
  HourSnapshot(HourSnapshot&&) = default;
  HourSnapshot& operator=(HourSnapshot&&) = default;

  // Takes the snapshot of `hour_ms` (an hour start) across `layouts`.
  // Damaged files that cannot be opened at all are left out and reported in
  // `problems`; only I/O errors and endless churn (Busy) fail the call.
  static Status Open(const std::vector<StoreLayout>& layouts, int64_t hour_ms,
                     HourSnapshot* snapshot, ReadProblems* problems);

  int64_t hour_ms() const { return hour_ms_; }
  // Segments first then WALs, each sorted by data dir and key.
  const std::vector<std::unique_ptr<SnapshotFile>>& files() const { return files_; }
  const std::vector<SkippedFile>& skipped() const { return skipped_; }

 private:
  Status OpenDataDir(const StoreLayout& layout, ReadProblems* problems);

  int64_t hour_ms_ = 0;
  std::vector<std::unique_ptr<SnapshotFile>> files_;
  std::vector<SkippedFile> skipped_;
};

// The problem of a file in a newer format (Unsupported opening it): damage
// of kind "unsupported" at offset 0 (segment.md §12).
ReadProblem UnsupportedProblem(const std::string& path, const Status& status);

// Scans the WAL at `path` (wal.md §5), through `fd` when it is open (so a
// WAL unlinked by sealing is still read), and adds its problems (§6) to
// `problems` as "<kind>: why" at their offsets: a torn tail as a warning
// (expected while kpid appends), the rest and a newer version as damage.
// Only I/O errors and NotFound fail the call. Reads through `fs` (nullptr:
// FileSystem::Default()).
Status ScanWalReporting(const std::string& path, int fd,
                        const std::function<bool(const wal::WalRecord&)>& fn,
                        wal::WalScanResult* result, ReadProblems* problems,
                        FileSystem* fs = nullptr);

// The hours of [range.from, range.to) that have a segment directory or a
// WAL in any of `layouts`, ascending, without duplicates.
Status ListStoreHours(const std::vector<StoreLayout>& layouts, int64_t from_ms, int64_t to_ms,
                      std::vector<int64_t>* hours);

// Calls `fn` with a snapshot of every hour of `range` that has files in any
// of `data_dirs` (checked to exist), ascending; stops at the first error.
Status ForEachHourSnapshot(const std::vector<std::string>& data_dirs, const TimeRange& range,
                           const std::function<Status(const HourSnapshot&)>& fn,
                           ReadProblems* problems);

// Checks that every data directory exists (a missing one is NotFound naming
// it: a typo in --data-dir must not read as an empty store).
Status CheckDataDirs(const std::vector<StoreLayout>& layouts);

}  // namespace kpi

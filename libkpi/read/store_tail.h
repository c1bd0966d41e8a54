// StoreTail: the engine of `kpictl tail`: the newest records of a store by
// arrival (per writer, the highest seqs), then everything appended after
// them, never printing a record twice or skipping one (see tail_cursor.h for
// the bookkeeping that makes that hold while kpid seals WALs).
//
// Start(n) reads every live WAL and, per writer, segments from the highest
// file seq down until n records of files above the next file's seq are
// found. Each writer's records are ordered by file seq (files are created in
// time order), then by arrival within a WAL; a sealed file no longer knows
// its records' arrival (wal.md §3.1), so its records come in (timestamp, _id)
// order. Writers are interleaved by timestamp, the only clock they share;
// the last n of that order are returned. (A late record sealed
// into an older hour's segment can be missed by this initial listing; Poll
// never misses it.)
//
// Poll() reads what arrived since: it follows each WAL through its own
// descriptor from the cursor's offset (so a WAL unlinked by sealing is still
// read to its end), finishes WALs sealed while no tail ran from their
// segments, and reads segments of new files that were created and sealed
// between two polls; those are looked for in the hours from `lookback_ms`
// before now (and before the cursor was saved) up to the next hour.
// A compacted segment is read only for the inputs it supersedes that the
// tail never saw (a file created, sealed and compacted between two polls, or
// while no tail ran): a file's records are its writer's seqs from the file's
// own up to the next file of that writer and hour (kpid writes one WAL per
// writer and hour at a time and takes each file's seq when it creates it).
// A compacted segment names every file kpid wrote whose records it holds,
// however often it was compacted again (compactor.h), so a file compacted
// any number of times between two polls is still found by its name; nothing
// here relies on the order of record ids, only on (writer, seq).
//
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "libkpi/read/read_problem.h"
#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/read/tail_cursor.h"

namespace kpi {

struct TailRecord {
  FileKey file;
  uint64_t seq = 0;
  // Its place in its file: the frame's index in a WAL (arrival order), the
  // index in (timestamp, _id) order in a segment (where arrival is unknown).
  uint64_t rank = 0;
  int64_t timestamp_ms = 0;
  std::string json;
};

class StoreTail {
 public:
  using Emit = std::function<Status(const TailRecord&)>;

  // Files and the clock through `fs` (not owned; null: FileSystem::Default()).
  StoreTail(std::vector<std::string> data_dirs, TailCursor cursor, int64_t lookback_ms,
            FileSystem* fs = nullptr);
  ~StoreTail();

  // Positions a fresh tail after everything in the store and returns the
  // `n` newest records, oldest first (see above).
  Status Start(size_t n, std::vector<TailRecord>* newest, ReadProblems* problems);
  // Emits every record that arrived since the cursor, file by file.
  Status Poll(const Emit& emit, ReadProblems* problems);

  const TailCursor& cursor() const { return cursor_; }

 private:
  struct Followed;
  using FileMap = std::map<FileKey, std::string>;  // key → path

  Status ListWals(FileMap* wals) const;
  // Sealed segments in *segments, compacted ones in *compacted.
  Status ListSegments(int64_t from_ms, int64_t to_ms, FileMap* segments,
                      FileMap* compacted) const;
  // Opens a WAL to follow; false if it vanished (sealed) meanwhile.
  Status Follow(const FileKey& key, const std::string& path, bool* opened);
  Status Drain(Followed* f, const Emit& emit, ReadProblems* problems);
  // Reads a followed WAL's header into its mark (order, first frame);
  // *ready is false while the header is not whole yet.
  Status ReadFollowedHeader(Followed* f, ReadProblems* problems, bool* ready);
  // The records of key.writer with after_seq < seq < before_seq, in the
  // segment's order (rank = index in it).
  Status ReadSegment(const std::string& path, const FileKey& key, uint64_t after_seq,
                     uint64_t before_seq, std::vector<TailRecord>* out,
                     ReadProblems* problems) const;
  // Emits the file's records from its segment that the cursor's mark of it
  // has not printed yet (tail_cursor.h).
  Status EmitSegment(const std::string& path, const FileKey& key, const Emit& emit,
                     ReadProblems* problems, uint64_t after_seq = 0,
                     uint64_t before_seq = UINT64_MAX);
  // The unseen inputs of compacted segments not examined yet (see above).
  Status EmitCompactedInputs(const FileMap& compacted, const FileMap& wals,
                             const FileMap& segments, const Emit& emit, ReadProblems* problems);
  Status FinishFromSegment(const FileKey& key, const Emit& emit, ReadProblems* problems);
  // Start: files named by the compacted segments Poll can list existed
  // before the tail began; raises each writer's floor over them.
  Status RaiseFloorsToCompactedInputs(const FileMap& compacted, ReadProblems* problems);
  Status NewestOfWriter(std::vector<std::pair<FileKey, std::string>> segments, size_t n,
                        std::vector<TailRecord>* top, ReadProblems* problems);

  FileSystem* const fs_;
  std::vector<StoreLayout> layouts_;
  TailCursor cursor_;
  int64_t lookback_ms_;
  bool polled_ = false;
  std::map<FileKey, std::unique_ptr<Followed>> followed_;
  std::set<std::string> examined_;  // compacted segments whose inputs were handled
};

}  // namespace kpi

// MergeSource: one file of an hour snapshot read as a sorted run of records
// for RecordStream's k-way merge, restricted to a time range.
//
//   SegmentSource  walks the blocks whose index [min_ts, max_ts] overlaps the
//                  range, one decompressed block at a time; a damaged block is
//                  reported and skipped, and the run goes on with the next.
//   WalSource      scans the WAL's valid prefix once, keeping only (timestamp,
//                  seq, offset) of the records in range, sorts them, then
//                  reads each frame back by offset: memory is 24 bytes per
//                  record plus one frame, never the WAL's payload.
//
// Both yield records in order-key order (timestamp, id). Views returned by
// current() stay valid until Next().
//
// Thread-safety: one thread per source.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libkpi/read/hour_snapshot.h"
#include "libkpi/read/read_problem.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/util/time_range.h"

namespace kpi {

// Counters a stream keeps over all its sources.
struct ReadStats {
  uint64_t input_bytes = 0;      // compressed block bytes and WAL bytes consumed or skipped
  uint64_t blocks_read = 0;      // decompressed
  uint64_t blocks_skipped = 0;   // outside the range by their index entry
  uint64_t records_scanned = 0;  // in range, before filters
  uint64_t copies_skipped = 0;   // records merged twice (segment.md §11.3), returned once
};

class MergeSource {
 public:
  virtual ~MergeSource() = default;
  virtual bool Valid() const = 0;
  virtual const RecordView& current() const = 0;
  virtual void Next() = 0;

  // The source for `file` (an open snapshot file); problems and counters go
  // to the given sinks, which must outlive the source.
  static std::unique_ptr<MergeSource> For(const SnapshotFile& file, const TimeRange& range,
                                          ReadProblems* problems, ReadStats* stats);
};

}  // namespace kpi

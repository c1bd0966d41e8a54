// StoreBuilder: writes records straight into a data directory as sealed or
// compacted segments and WALs, bypassing kpid. For tests, benchmarks and
// bench/kpi-mkstore, which need stores of a known shape (several writers,
// WALs beside their sealed twins, superseded inputs, many hours).
//
// Contract: files are written exactly as kpid and compaction write them
// (SegmentWriter, WalWriter), under the names StoreLayout gives. Records may
// be passed in any order: segments get them sorted by the order key, WALs in
// seq order (arrival). The caller keeps ids unique.
//
// Thread-safety: one builder per thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/format/record.h"
#include "libkpi/format/record_order.h"
#include "libkpi/write/segment_writer.h"
#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"

namespace kpi {

class StoreBuilder {
 public:
  // Segments are written without fsync unless `options.sync` says otherwise.
  explicit StoreBuilder(std::string data_dir, SegmentWriterOptions options = Unsynced());

  const StoreLayout& layout() const { return layout_; }

  // A sealed segment for `key` (key.hour_ms must be every record's hour).
  Status WriteSegment(const FileKey& key, std::vector<Record> records, std::string* path);
  // A compacted segment "compact-<seq>" replacing the named files of its hour.
  Status WriteCompacted(int64_t hour_ms, uint64_t seq, std::vector<Record> records,
                        std::vector<std::string> superseded, std::string* path);
  // A WAL for `key` holding `records` in seq order (synced, as kpid leaves
  // it), under RecordOrder::Fixed(): for tests that pick seqs themselves.
  Status WriteWal(const FileKey& key, std::vector<Record> records, std::string* path);
  // A WAL for `key` whose header holds `order`, with `arrivals` framed in the
  // order given (kpid gives the i-th the seq key.seq + 1 + order.Position(i)).
  Status WriteWalInArrivalOrder(const FileKey& key, const RecordOrder& order,
                                const std::vector<Record>& arrivals, std::string* path);

  static SegmentWriterOptions Unsynced() {
    SegmentWriterOptions o;
    o.sync = false;
    return o;
  }

 private:
  Status Write(const std::string& path, segment::Header header, std::vector<Record> records);

  StoreLayout layout_;
  SegmentWriterOptions options_;
};

// `count` generated records (RecordGenerator, the given seed) with
// timestamps in [from_ms, to_ms), ids <writer>-<first_seq + i>.
std::vector<Record> GenerateRecords(uint64_t seed, int64_t from_ms, int64_t to_ms,
                                    const std::string& writer, uint64_t first_seq, size_t count);

}  // namespace kpi

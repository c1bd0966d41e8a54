// SegmentReader: reads one segment file (format-spec/segment.md).
//
// Contract: Open reads the header, the footer and the index (three small
// reads) and keeps the file descriptor, so a reader that has opened a segment
// finishes it even if the file is unlinked meanwhile (compaction, purge).
// Blocks are decompressed one at a time: memory is bounded by one block.
// Damage (§9) is reported with the file path and offset; one bad block never
// hides the others, and a missing or damaged index falls back to a forward
// scan of the frames (index_damaged() then says so).
//
// Thread-safety: not thread-safe; use one reader per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/format/record.h"
#include "libkpi/format/segment_format.h"
#include "libkpi/util/status.h"

namespace kpi {

// A decoded record inside a block; `json` points into the reader's block
// buffer and is valid only until the next block is read.
struct RecordView {
  int64_t timestamp_ms = 0;
  std::string_view id;    // the "_id" value, e.g. "a1-0000000000000007"
  std::string_view json;  // the whole line without '\n'
};

class SegmentReader {
 public:
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // Opens `path`. Fails with NotFound if the file is gone, Corruption only if
  // nothing at all can be read (no header and no decodable frame).
  static Status Open(const std::string& path, std::unique_ptr<SegmentReader>* reader);

  const std::string& path() const;
  const segment::Header& header() const;
  bool header_damaged() const;
  std::string header_problem() const;  // why, with file and offset, when damaged
  bool index_damaged() const;       // blocks() came from a forward scan
  std::string index_problem() const;  // why, with offset, when damaged
  const std::vector<segment::BlockInfo>& blocks() const;
  uint64_t file_size() const;
  uint64_t record_count() const;  // sum over blocks()

  // Decompresses block `i`, checks its size, crc32c and records, and fills
  // `records` (views into the reader's buffer, valid until the next call).
  // Corruption names the file, block number and offset.
  Status ReadBlock(size_t i, std::vector<RecordView>* records);

  // Indexes of the blocks whose [min_ts, max_ts] meets [from_ms, to_ms):
  // the only blocks a time-range read has to open.
  std::vector<size_t> BlocksOverlapping(int64_t from_ms, int64_t to_ms) const;

  // Bytes read from the file so far (tests and benchmarks assert on it).
  uint64_t bytes_read() const;
  uint64_t blocks_read() const;

 private:
  SegmentReader();
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses the two leading members of a canonical record line:
// {"_id":"<id>","timestamp":<ms>,...}. Returns false if the line is not
// canonical. Shared by the segment and WAL readers.
bool ParseRecordPrefix(std::string_view json, std::string_view* id, int64_t* timestamp_ms);

}  // namespace kpi

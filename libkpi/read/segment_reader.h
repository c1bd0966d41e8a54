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
#include "libkpi/format/store_layout.h"
#include "libkpi/format/segment_format.h"
#include "libkpi/read/read_problem.h"
#include "libkpi/util/status.h"

namespace kpi {

// A decoded record inside a block; `json` points into the reader's block
// buffer and is valid only until the next block is read.
struct RecordView {
  int64_t timestamp_ms = 0;
  std::string_view id;    // the "_id" value, e.g. "a1-0000000000000007"
  std::string_view json;  // the whole line without '\n'
};

// A frame the forward scan of a damaged index skipped (segment.md §9):
// `block` numbers the scanned frames in file order, skipped ones included.
struct ScannedFrameProblem {
  int64_t block;
  uint64_t offset;
  std::string message;
};

class SegmentReader {
 public:
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // Opens `path` as a lone file. Fails with NotFound if the file is gone,
  // Unsupported for a newer format; damage (even a file of which nothing is
  // readable) is not an error but what header_damaged(), index_damaged(),
  // scan_problems() and ReadBlock say. Reads go through `fs` (nullptr:
  // FileSystem::Default()).
  static Status Open(const std::string& path, std::unique_ptr<SegmentReader>* reader,
                     FileSystem* fs = nullptr);
  // The same for a file listed in a store under `key` (segment.md §3, §4):
  // a header that disagrees with the key is damaged, and the key's hour
  // bounds the records when the header is damaged.
  static Status OpenListed(const std::string& path, const FileKey& key,
                           std::unique_ptr<SegmentReader>* reader, FileSystem* fs = nullptr);

  const std::string& path() const;
  const segment::Header& header() const;
  bool header_damaged() const;
  std::string header_problem() const;  // why, with file and offset, when damaged
  bool index_damaged() const;       // blocks() came from a forward scan
  const std::vector<ScannedFrameProblem>& scan_problems() const;
  // The damage found by Open as report entries (segment.md §12): "header" at
  // offset 0, each skipped scanned frame as "block", "index" at the offset
  // where the footer was expected; in offset order.
  ReadProblems OpenProblems() const;
  // The report entry for a ReadBlock(i) failure: "block" at the block's offset.
  ReadProblem BlockProblem(size_t i, const Status& failure) const;
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


}  // namespace kpi

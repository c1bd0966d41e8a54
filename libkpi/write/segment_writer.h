// SegmentWriter: writes one segment file (format-spec/segment.md) and
// publishes it atomically (§7): temp name, fsync, rename, fsync of the dir.
//
// Contract: records are added in order-key order ((timestamp, id), see
// record.h) and all belong to the header's hour; Add rejects anything else
// with InvalidArgument. Nothing is visible under the final name until Finish
// returns OK; if Finish is not reached (error, crash, or the writer is
// destroyed), only a ".<name>.tmp" file may remain, which the destructor
// removes when it can and recovery removes otherwise. Crash points (tests,
// file_system.h): "segment.temp_written" (temp whole, not synced),
// "segment.before_publish" (synced, before the rename), "segment.renamed"
// (renamed, before the directory sync).
//
// Thread-safety: not thread-safe; one writer per file, one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libkpi/format/record.h"
#include "libkpi/format/segment_format.h"
#include "libkpi/env/file_system.h"
#include "libkpi/util/status.h"

namespace kpi {

class FileSystem;  // fault_injection seam; nullptr means the real one

struct SegmentWriterOptions {
  size_t block_bytes = segment::kDefaultBlockBytes;  // uncompressed bytes per block
  int zstd_level = segment::kDefaultZstdLevel;
  bool sync = true;  // fsync file and directory on Finish (tests of vectors may skip)
  FileSystem* fs = nullptr;  // not owned; null: FileSystem::Default()
};

class SegmentWriter {
 public:
  // `final_path` is where Finish publishes the segment; its directory is
  // created if missing.
  SegmentWriter(std::string final_path, segment::Header header, SegmentWriterOptions options);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Opens the temporary file and writes the header frame.
  Status Open();
  // Appends one record (its JSON line without '\n'); compresses and writes a
  // block whenever the current one is full.
  Status Add(int64_t timestamp_ms, const RecordId& id, std::string_view json);
  Status Add(const Record& r) { return Add(r.timestamp_ms, r.id, r.json); }
  // Flushes the last block, writes the index, syncs and publishes.
  Status Finish();

  uint64_t records_written() const;
  uint64_t bytes_written() const;  // file size so far
  const std::vector<segment::BlockInfo>& blocks() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kpi

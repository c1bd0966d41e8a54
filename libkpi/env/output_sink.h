// OutputSink: where kpictl writes JSON lines: stdout, a plain file, or a
// zstd-compressed file (chosen by a ".zst" suffix).
//
// Contract: Append buffers (1 MiB) and writes with write(2) in large pieces,
// so output costs a memcpy per record. A file is written under a temporary
// name beside the target (".<name>.tmp") and renamed into place by Finish, so
// an interrupted export never leaves a truncated file under the final name;
// destroying an unfinished sink removes the temporary file. Compression
// streams with ZSTD_compressStream2; the result is one zstd frame readable by
// zstdcat.
//
// Thread-safety: one thread per sink.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "libkpi/env/file_system.h"
#include "libkpi/util/status.h"

namespace kpi {

class OutputSink {
 public:
  virtual ~OutputSink() = default;

  // Standard output (never compressed).
  static std::unique_ptr<OutputSink> Stdout();
  // A file; "*.zst" is compressed at `zstd_level`. It is created, synced,
  // published and (when abandoned) removed through `fs` (not owned, must
  // outlive the sink; null: FileSystem::Default()).
  static Status OpenFile(const std::string& path, int zstd_level,
                         std::unique_ptr<OutputSink>* sink, FileSystem* fs = nullptr);

  // Appends `line` and a '\n' (a line-converting sink: its converted line).
  Status AppendLine(std::string_view line) {
    if (converts_lines_) return ConvertLine(line);
    if (buffer_.size() + line.size() + 1 > kBufferBytes) KPI_RETURN_IF_ERROR(Drain());
    buffer_.append(line);
    buffer_.push_back('\n');
    bytes_in_ += line.size() + 1;
    return Status::OK();
  }
  // Appends the line that `append(std::string* buffer)` appends to the
  // buffer (it must only append, and return a Status; on an error nothing
  // is kept), and a '\n': a line built in place, not copied in (the copy of
  // each CSV row was 2 % of a CSV export). Not for a line-converting sink.
  template <typename Append>
  Status AppendLineBuiltBy(Append append) {
    if (buffer_.size() >= kBufferBytes) KPI_RETURN_IF_ERROR(Drain());
    const size_t before = buffer_.size();
    Status s = append(&buffer_);
    if (!s.ok()) {
      buffer_.resize(before);
      return s;
    }
    buffer_.push_back('\n');
    bytes_in_ += buffer_.size() - before;
    return Status::OK();
  }
  // Writes everything buffered and, for files, publishes the file.
  virtual Status Finish() = 0;
  // Writes what is buffered now (a follower's output between polls).
  Status Flush() { return Drain(); }

  uint64_t bytes_in() const { return bytes_in_; }  // uncompressed bytes appended

 protected:
  static constexpr size_t kBufferBytes = 1 << 20;
  // A line-converting sink buffers nothing itself: no buffer is reserved.
  explicit OutputSink(bool converts_lines = false) : converts_lines_(converts_lines) {
    if (!converts_lines_) buffer_.reserve(kBufferBytes);
  }
  // Writes (or compresses) buffer_ and empties it.
  virtual Status Drain() = 0;
  // A sink that turns each line into another (kpictl's CSV export) sets
  // converts_lines_ and gets every line here as it comes, without copying
  // it into buffer_ first: the copy and finding the lines again were 5 % of
  // a CSV export. It counts bytes_in_ itself.
  virtual Status ConvertLine(std::string_view /*line*/) { return Status::OK(); }

  const bool converts_lines_;

  std::string buffer_;
  uint64_t bytes_in_ = 0;
};

// Writes all of `data` to `fd`, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view data, const std::string& what);

}  // namespace kpi

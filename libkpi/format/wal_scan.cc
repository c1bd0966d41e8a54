// Reading write-ahead files: format-spec/wal.md §5 on top of the frame codec
// (wal_codec.h). Section numbers below refer to wal.md.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "libkpi/env/file_system.h"
#include "libkpi/format/wal.h"
#include "libkpi/format/wal_codec.h"

namespace kpi::wal {
namespace {

constexpr size_t kScanChunk = 256 << 10;

// Reads up to n bytes at offset; *got < n only at end of file.
Status PreadFull(FileSystem* fs, int fd, const std::string& path, uint64_t offset, char* dst,
                 size_t n, size_t* got) {
  return fs->ReadAt(fd, offset, n, dst, got, path);
}


// Sequential reads through a window of the file, so a scan costs a few large
// reads and holds at most one chunk or one frame.
class ScanWindow {
 public:
  ScanWindow(FileSystem* fs, int fd, const std::string& path, uint64_t limit)
      : fs_(fs), fd_(fd), path_(path), limit_(limit) {}

  // The bytes [offset, offset + n) that the file (up to the limit) has.
  Status Get(uint64_t offset, size_t n, std::string_view* bytes) {
    if (offset < start_ || offset + n > start_ + buf_.size()) {
      const uint64_t left = limit_ > offset ? limit_ - offset : 0;
      const size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n, kScanChunk), left));
      buf_.resize(want);
      size_t got = 0;
      KPI_RETURN_IF_ERROR(PreadFull(fs_, fd_, path_, offset, buf_.data(), want, &got));
      buf_.resize(got);
      start_ = offset;
    }
    const size_t at = static_cast<size_t>(offset - start_);
    *bytes = std::string_view(buf_).substr(at, std::min(n, buf_.size() - at));
    return Status::OK();
  }

  // Decodes the frame at `offset`: one read of its header, one of the whole
  // frame when its length is plausible.
  Status FrameAt(uint64_t offset, Frame* frame, FrameError* error) {
    std::string_view bytes;
    KPI_RETURN_IF_ERROR(Get(offset, kFrameHeaderSize, &bytes));
    if (bytes.size() == kFrameHeaderSize && DeclaredFrameSize(bytes) > 0) {
      KPI_RETURN_IF_ERROR(Get(offset, static_cast<size_t>(DeclaredFrameSize(bytes)), &bytes));
    }
    *error = DecodeFrame(bytes, frame);
    return Status::OK();
  }

  // True if [offset, limit) holds only zero bytes.
  Status AllZeros(uint64_t offset, bool* zeros) {
    *zeros = true;
    while (offset < limit_ && *zeros) {
      std::string_view bytes;
      KPI_RETURN_IF_ERROR(Get(offset, kScanChunk, &bytes));
      if (bytes.empty()) break;
      *zeros = bytes.find_first_not_of('\0') == std::string_view::npos;
      offset += bytes.size();
    }
    return Status::OK();
  }

  // §5 step 3: the first offset after `from` where a valid frame starts, or 0.
  Status NextValidFrame(uint64_t from, uint64_t* next) {
    *next = 0;
    for (uint64_t q = from + 1; q + kFrameHeaderSize <= limit_; ++q) {
      Frame frame;
      FrameError error;
      KPI_RETURN_IF_ERROR(FrameAt(q, &frame, &error));
      if (error == FrameError::kNone) {
        *next = q;
        break;
      }
    }
    return Status::OK();
  }

 private:
  FileSystem* fs_;
  int fd_;
  const std::string& path_;
  uint64_t limit_;
  uint64_t start_ = 0;
  std::string buf_;
};

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }

 private:
  int fd_;
};

std::string At(uint64_t offset, std::string_view what) {
  return "offset " + std::to_string(offset) + ": " + std::string(what);
}

// The key the file's name gives, or an empty one (a lone file).
FileKey KeyFromName(const std::string& path) {
  const size_t slash = path.rfind('/');
  const auto key = StoreLayout::ParseWalFileName(slash == std::string::npos ? path : path.substr(slash + 1));
  return key ? *key : FileKey();
}

// §5 steps 2 and 3 at an invalid frame at `offset`: the zero tail, a damaged
// stretch before the next valid frame (*resume set), or a torn tail.
Status AfterInvalidFrame(ScanWindow* window, uint64_t offset, FrameError error,
                         WalScanResult* result, uint64_t* resume) {
  *resume = 0;
  bool zeros = false;
  KPI_RETURN_IF_ERROR(window->AllZeros(offset, &zeros));
  if (zeros) {
    result->zero_tail = offset < result->file_bytes;
    return Status::OK();
  }
  KPI_RETURN_IF_ERROR(window->NextValidFrame(offset, resume));
  if (*resume != 0) {
    result->problems.push_back(
        {WalProblem::Kind::kFrame, offset,
         std::string(Describe(error)) + "; a valid frame follows at offset " +
             std::to_string(*resume) + ": the records in between are lost"});
    return Status::OK();
  }
  result->tail_problem = At(offset, Describe(error));
  result->problems.push_back({WalProblem::Kind::kTorn, offset,
                              "torn tail of " + std::to_string(result->file_bytes - offset) +
                                  " bytes (" + Describe(error) + ")"});
  return Status::OK();
}

// §3: version 1 seqs increase through the file; version 2 seqs lie in the
// file's block (its seq + 1 … + 2^order bits). Under a damaged header only
// the version 1 rule can be checked.
class SeqCheck {
 public:
  explicit SeqCheck(const WalScanResult& scan)
      : version_(scan.header_damaged ? (scan.header_bytes == kHeaderSizeV1 ? 1 : 0)
                                     : scan.header.version),
        file_seq_(scan.key.seq),
        block_(scan.header.order_bits > 0 ? uint64_t{1} << scan.header.order_bits : 0) {}

  // "" or why `seq` breaks the rule.
  std::string Check(uint64_t seq) {
    std::string why;
    if (version_ == 1 && have_last_ && seq <= last_) {
      why = "seq " + std::to_string(seq) + " does not increase";
    } else if (version_ >= 2 && (seq <= file_seq_ || seq - file_seq_ > block_)) {
      why = "seq " + std::to_string(seq) + " is outside the file's block " +
            std::to_string(file_seq_ + 1) + ".." + std::to_string(file_seq_ + block_);
    }
    have_last_ = true;
    last_ = seq;
    return why;
  }

 private:
  int version_;
  uint64_t file_seq_;
  uint64_t block_;
  bool have_last_ = false;
  uint64_t last_ = 0;
};

// §5 from the header's end: valid frames, checked records, resync past damage.
Status ScanFrames(ScanWindow* window, const std::function<bool(const WalRecord&)>& fn,
                  WalScanResult* result) {
  uint64_t offset = result->header_bytes;
  SeqCheck seq_check(*result);
  while (offset < result->file_bytes) {
    Frame frame;
    FrameError error;
    KPI_RETURN_IF_ERROR(window->FrameAt(offset, &frame, &error));
    if (error != FrameError::kNone) {
      uint64_t resume = 0;
      KPI_RETURN_IF_ERROR(AfterInvalidFrame(window, offset, error, result, &resume));
      if (resume == 0) break;
      offset = resume;
      continue;
    }
    WalRecord record{offset, frame.timestamp_ms, frame.seq, frame.payload};
    std::string_view id;
    const std::string why = CheckFrameRecord(frame, result->key, &id);
    offset += frame.size();
    result->valid_bytes = offset;
    if (!why.empty()) {
      result->problems.push_back({WalProblem::Kind::kRecord, record.offset, why});
      continue;
    }
    const std::string order = seq_check.Check(frame.seq);
    if (!order.empty()) result->problems.push_back({WalProblem::Kind::kOrder, record.offset, order});
    ++result->records;
    if (fn && !fn(record)) break;
  }
  return Status::OK();
}

// The header's bytes: *got of them are in the file; *size is where the
// frames start, by the version field (64 until it can be read).
Status PreadHeader(FileSystem* fs, int fd, const std::string& path, char (&bytes)[kHeaderSize],
                   size_t* got, size_t* size) {
  KPI_RETURN_IF_ERROR(PreadFull(fs, fd, path, 0, bytes, kHeaderSize, got));
  *size = *got >= 6 ? HeaderSizeOf(std::string_view(bytes, *got)) : kHeaderSize;
  return Status::OK();
}

// §2: a short or damaged header is a problem, not an error: the frames are
// still read under the name's key. Only a newer version stops the scan.
Status ReadHeader(FileSystem* fs, int fd, const std::string& path, WalScanResult* result,
                  bool* go_on) {
  *go_on = false;
  char header[kHeaderSize];
  size_t got = 0, size = 0;
  KPI_RETURN_IF_ERROR(PreadHeader(fs, fd, path, header, &got, &size));
  const FileKey name_key = KeyFromName(path);
  result->key = name_key;
  if (got < size) {
    result->valid_bytes = result->file_bytes;
    result->problems.push_back({WalProblem::Kind::kTorn, 0,
                                "header cut short (" + std::to_string(got) + " of " +
                                    std::to_string(size) +
                                    " bytes): such a file never held a record"});
    return Status::OK();
  }
  WalHeader decoded;
  Status s = DecodeHeader(std::string_view(header, size), &decoded);
  if (s.code() == Status::Code::kUnsupported) return Status::Unsupported(path + ": " + s.message());
  if (s.ok() && !name_key.writer.empty() && decoded.key != name_key) {
    s = Status::Corruption("offset 0: header says writer " + decoded.key.writer + " seq " +
                           std::to_string(decoded.key.seq) + ", which its name does not");
  }
  if (s.ok()) {
    result->key = decoded.key;
    result->header = decoded;
  } else {
    result->header_damaged = true;
    result->problems.push_back({WalProblem::Kind::kHeader, 0, s.message()});
  }
  result->header_bytes = size;
  result->valid_bytes = size;
  *go_on = true;
  return Status::OK();
}

}  // namespace

const char* WalProblem::KindName(Kind kind) {
  switch (kind) {
    case Kind::kHeader: return "header";
    case Kind::kTorn: return "torn";
    case Kind::kFrame: return "frame";
    case Kind::kRecord: return "record";
    case Kind::kOrder: return "order";
  }
  return "?";
}

Status ScanWal(const std::string& path, const std::function<bool(const WalRecord&)>& fn,
               WalScanResult* result, FileSystem* fs) {
  *result = WalScanResult();
  fs = FileSystem::OrDefault(fs);
  int fd;
  KPI_RETURN_IF_ERROR(fs->OpenForReading(path, &fd));
  FdCloser closer(fd);
  return ScanWalFd(fd, path, fn, result, fs);
}

Status ScanWalFd(int fd, const std::string& path,
                 const std::function<bool(const WalRecord&)>& fn, WalScanResult* result,
                 FileSystem* fs) {
  *result = WalScanResult();
  fs = FileSystem::OrDefault(fs);
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, "stat " + path);
  result->file_bytes = static_cast<uint64_t>(st.st_size);
  bool go_on = false;
  KPI_RETURN_IF_ERROR(ReadHeader(fs, fd, path, result, &go_on));
  if (!go_on) return Status::OK();
  ScanWindow window(fs, fd, path, result->file_bytes);
  return ScanFrames(&window, fn, result);
}

Status ReadWalHeader(int fd, const std::string& path, WalHeader* header, uint64_t* header_bytes,
                     FileSystem* fs) {
  char bytes[kHeaderSize];
  size_t got = 0, size = 0;
  *header_bytes = 0;
  KPI_RETURN_IF_ERROR(PreadHeader(FileSystem::OrDefault(fs), fd, path, bytes, &got, &size));
  if (got < size) return Status::OK();
  *header_bytes = size;
  const Status s = DecodeHeader(std::string_view(bytes, size), header);
  if (s.ok()) return s;
  return s.IsCorruption() ? Status::Corruption(path + ": " + s.message())
                          : Status::Unsupported(path + ": " + s.message());
}

Status DecodeFrameAt(const std::string& path, uint64_t offset, std::string_view bytes,
                     WalRecord* record) {
  Frame frame;
  const FrameError error = DecodeFrame(bytes, &frame);
  if (error != FrameError::kNone) return Status::Corruption(path + ": " + At(offset, Describe(error)));
  *record = WalRecord{offset, frame.timestamp_ms, frame.seq, frame.payload};
  return Status::OK();
}

Status ReadWalRecordAt(int fd, const std::string& path, uint64_t offset, WalRecord* record,
                       std::string* json, FileSystem* fs) {
  fs = FileSystem::OrDefault(fs);
  char h[kFrameHeaderSize];
  size_t got = 0;
  KPI_RETURN_IF_ERROR(PreadFull(fs, fd, path, offset, h, kFrameHeaderSize, &got));
  const std::string_view header(h, got);
  const uint64_t size = got == kFrameHeaderSize ? DeclaredFrameSize(header) : 0;
  if (size == 0) return DecodeFrameAt(path, offset, header, record);
  json->resize(static_cast<size_t>(size));
  KPI_RETURN_IF_ERROR(PreadFull(fs, fd, path, offset, json->data(), json->size(), &got));
  json->resize(got);
  KPI_RETURN_IF_ERROR(DecodeFrameAt(path, offset, *json, record));
  // Keep only the payload in *json, as callers expect.
  json->erase(0, kFrameHeaderSize);
  record->json = *json;
  return Status::OK();
}

}  // namespace kpi::wal

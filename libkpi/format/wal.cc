// Write-ahead files, format-spec/wal.md. Section numbers below refer to it.
#include "libkpi/format/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "libkpi/util/coding.h"
#include "libkpi/util/crc32c.h"
#include "libkpi/util/time_util.h"

namespace kpi::wal {
namespace {

constexpr size_t kWriterFieldSize = 16;
constexpr size_t kScanChunk = 256 << 10;
// A group buffer larger than this is released after its write instead of
// being kept for the next group, so one burst does not pin memory per WAL.
constexpr size_t kKeepBufferBytes = 4 << 20;

std::string EncodeHeader(const FileKey& key) {
  std::string h(kHeaderSize, '\0');
  std::memcpy(&h[0], kMagic, 4);
  EncodeFixed16(&h[4], kVersion);
  EncodeFixed64(&h[8], static_cast<uint64_t>(key.hour_ms));
  EncodeFixed64(&h[16], key.seq);
  std::memcpy(&h[24], key.writer.data(), key.writer.size());
  EncodeFixed32(&h[44], crc32c::Value(h.data(), 44));
  return h;
}

// §2. Checks in the order that makes each message true: the checksum is only
// meaningful once the magic matched, and the fields only once it passed.
Status DecodeHeader(const char* h, const std::string& path, FileKey* key) {
  if (std::memcmp(h, kMagic, 4) != 0) {
    return Status::Corruption(path + ": offset 0: not a kpi write-ahead file (bad magic)");
  }
  if (DecodeFixed32(h + 44) != crc32c::Value(h, 44)) {
    return Status::Corruption(path + ": offset 44: header checksum mismatch");
  }
  const uint16_t version = DecodeFixed16(h + 4);
  if (version > kVersion) {
    return Status::Unsupported(path + ": WAL version " + std::to_string(version) +
                               " is newer than this kpi understands (1); upgrade kpi");
  }
  if (version == 0 || DecodeFixed16(h + 6) != 0 || DecodeFixed32(h + 40) != 0) {
    return Status::Corruption(path + ": header has version 0 or non-zero flags/reserved bytes");
  }
  const char* w = h + 24;
  const size_t len = strnlen(w, kWriterFieldSize);
  for (size_t i = len; i < kWriterFieldSize; ++i) {
    if (w[i] != '\0') return Status::Corruption(path + ": offset 24: writer not NUL-padded");
  }
  key->writer.assign(w, len);
  key->hour_ms = static_cast<int64_t>(DecodeFixed64(h + 8));
  key->seq = DecodeFixed64(h + 16);
  if (!IsValidWriterId(key->writer) || FloorTo(key->hour_ms, kMsPerHour) != key->hour_ms) {
    return Status::Corruption(path + ": header has an invalid writer id or hour");
  }
  return Status::OK();
}

// Reads up to n bytes at offset; *got < n only at end of file.
Status PreadFull(int fd, const std::string& path, uint64_t offset, char* dst, size_t n,
                 size_t* got) {
  *got = 0;
  while (*got < n) {
    const ssize_t r = ::pread(fd, dst + *got, n - *got, static_cast<off_t>(offset + *got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "read " + path + " at offset " + std::to_string(offset));
    }
    if (r == 0) break;
    *got += static_cast<size_t>(r);
  }
  return Status::OK();
}

// §3: the checksum covers the frame header after the crc field, then the payload.
bool FrameChecksumMatches(const char* frame_header, std::string_view payload) {
  uint32_t crc = crc32c::Extend(0, frame_header + 4, kFrameHeaderSize - 4);
  crc = crc32c::Extend(crc, payload.data(), payload.size());
  return crc == DecodeFixed32(frame_header);
}

bool PayloadLengthValid(uint32_t len) { return len >= 1 && len <= kMaxPayload; }

// Sequential reads through a window of the file, so a scan costs a few large
// reads and holds at most one chunk or one frame.
class ScanWindow {
 public:
  ScanWindow(int fd, const std::string& path, uint64_t limit)
      : fd_(fd), path_(path), limit_(limit) {}

  // Points *data at bytes [offset, offset + n) if the file (up to the limit)
  // has them; *available says how many of them it has.
  Status Get(uint64_t offset, size_t n, const char** data, size_t* available) {
    if (offset < start_ || offset + n > start_ + buf_.size()) {
      const uint64_t left = limit_ > offset ? limit_ - offset : 0;
      const size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n, kScanChunk), left));
      buf_.resize(want);
      size_t got = 0;
      KPI_RETURN_IF_ERROR(PreadFull(fd_, path_, offset, buf_.data(), want, &got));
      buf_.resize(got);
      start_ = offset;
    }
    *data = buf_.data() + (offset - start_);
    *available = static_cast<size_t>(std::min<uint64_t>(n, start_ + buf_.size() - offset));
    return Status::OK();
  }

 private:
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

std::string At(uint64_t offset) { return "offset " + std::to_string(offset) + ": "; }

// True if [offset, end) of the file holds only zero bytes.
bool AllZeros(ScanWindow* window, uint64_t offset, uint64_t end) {
  while (offset < end) {
    const char* data;
    size_t got;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kScanChunk, end - offset));
    if (!window->Get(offset, n, &data, &got).ok() || got == 0) return false;
    for (size_t i = 0; i < got; ++i) {
      if (data[i] != 0) return false;
    }
    offset += got;
  }
  return true;
}

// Scans the frames of §3 from the header's end; stops at the first invalid
// frame (§4) and says why in result->tail_problem (unless only zeros follow).
Status ScanFrames(ScanWindow* window, const std::function<bool(const WalRecord&)>& fn,
                  WalScanResult* result) {
  uint64_t offset = kHeaderSize;
  while (offset < result->file_bytes) {
    const char* h;
    size_t got;
    KPI_RETURN_IF_ERROR(window->Get(offset, kFrameHeaderSize, &h, &got));
    if (got < kFrameHeaderSize) {
      result->tail_problem = At(offset) + "frame header cut short (" + std::to_string(got) +
                             " of 24 bytes)";
      break;
    }
    const uint32_t len = DecodeFixed32(h + 4);
    if (!PayloadLengthValid(len)) {
      if (len == 0 && AllZeros(window, offset, result->file_bytes)) {
        result->zero_tail = true;
      } else {
        result->tail_problem = At(offset) + "invalid payload length " + std::to_string(len);
      }
      break;
    }
    const char* frame;
    KPI_RETURN_IF_ERROR(window->Get(offset, kFrameHeaderSize + len, &frame, &got));
    if (got < kFrameHeaderSize + len) {
      result->tail_problem = At(offset) + "frame cut short (" + std::to_string(got) + " of " +
                             std::to_string(kFrameHeaderSize + len) + " bytes)";
      break;
    }
    WalRecord record;
    record.offset = offset;
    record.timestamp_ms = static_cast<int64_t>(DecodeFixed64(frame + 8));
    record.seq = DecodeFixed64(frame + 16);
    record.json = std::string_view(frame + kFrameHeaderSize, len);
    if (!FrameChecksumMatches(frame, record.json)) {
      result->tail_problem = At(offset) + "frame checksum mismatch";
      break;
    }
    offset += kFrameHeaderSize + len;
    result->valid_bytes = offset;
    ++result->records;
    if (fn && !fn(record)) break;
  }
  return Status::OK();
}

}  // namespace

WalWriter::WalWriter(FileKey key, std::string path, std::unique_ptr<WritableFile> file)
    : key_(std::move(key)), path_(std::move(path)), file_(std::move(file)) {}

WalWriter::~WalWriter() = default;

Status WalWriter::Create(const StoreLayout& layout, const FileKey& key,
                         std::unique_ptr<WalWriter>* writer) {
  if (!IsValidWriterId(key.writer) || HourStart(key.hour_ms) != key.hour_ms) {
    return Status::InvalidArgument("WAL key needs a valid writer id and an hour start");
  }
  FileSystem* fs = FileSystem::Default();
  const std::string path = layout.WalPath(key);
  std::unique_ptr<WritableFile> file;
  KPI_RETURN_IF_ERROR(fs->NewWritableFile(path, /*exclusive=*/true, &file));
  // The header is durable before any frame: a WAL whose header is short or
  // damaged therefore never held an acknowledged record.
  Status s = file->Append(EncodeHeader(key));
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = fs->SyncDir(layout.WalDir());
  if (!s.ok()) {
    static_cast<void>(file->Close());
    static_cast<void>(fs->RemoveFile(path));
    return s;
  }
  writer->reset(new WalWriter(key, path, std::move(file)));
  return Status::OK();
}

Status WalWriter::Reopen(const StoreLayout& layout, const FileKey& key,
                         std::unique_ptr<WalWriter>* writer) {
  const std::string path = layout.WalPath(key);
  std::unique_ptr<WritableFile> file;
  KPI_RETURN_IF_ERROR(FileSystem::Default()->NewAppendableFile(path, &file));
  if (file->Size() < kHeaderSize) {
    return Status::Corruption(path + ": shorter than the 48-byte header; cannot append");
  }
  writer->reset(new WalWriter(key, path, std::move(file)));
  return Status::OK();
}

uint64_t WalWriter::size() const { return file_->Size(); }

void WalWriter::AddFrame(int64_t timestamp_ms, uint64_t seq,
                         std::initializer_list<std::string_view> payload_parts) {
  size_t len = 0;
  for (std::string_view part : payload_parts) len += part.size();
  const size_t start = frame_.size();
  frame_.resize(start + kFrameHeaderSize);
  char* h = &frame_[start];
  EncodeFixed32(h + 4, static_cast<uint32_t>(len));
  EncodeFixed64(h + 8, static_cast<uint64_t>(timestamp_ms));
  EncodeFixed64(h + 16, seq);
  uint32_t crc = crc32c::Extend(0, h + 4, kFrameHeaderSize - 4);
  for (std::string_view part : payload_parts) {
    crc = crc32c::Extend(crc, part.data(), part.size());
    frame_.append(part);
  }
  EncodeFixed32(&frame_[start], crc);
}

// Zeros up to `end` + prefill_bytes_, with pwrite (the file offset, where
// Append writes, stays put). Failing to write zeros (a full disk) is no
// error: the frames are then appended as without prefill.
void WalWriter::Prefill(uint64_t end) {
  if (prefill_bytes_ == 0 || end <= prefilled_end_) return;
  static const std::string kZeros(64 << 10, '\0');
  uint64_t at = std::max(prefilled_end_, file_->Size());
  const uint64_t to = std::min(end + prefill_bytes_, prefill_limit_);
  while (at < to) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kZeros.size(), to - at));
    const ssize_t written = ::pwrite(file_->fd(), kZeros.data(), n, static_cast<off_t>(at));
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) break;
    at += static_cast<uint64_t>(written);
    prefilled_end_ = at;
  }
}

Status WalWriter::Flush() {
  if (!broken_.ok()) return broken_;
  if (frame_.empty()) return Status::OK();
  const uint64_t before = file_->Size();
  Prefill(before + frame_.size());
  Status s = file_->Append(frame_);
  frame_.clear();
  if (frame_.capacity() > kKeepBufferBytes) std::string().swap(frame_);
  if (s.ok()) {
    CrashPoint("wal.after_append");
    return s;
  }
  // Cut any partial frame away so the file ends on a frame boundary.
  const Status truncated = file_->Truncate(before);
  prefilled_end_ = before;
  if (!(truncated.ok() && s.IsNoSpace())) broken_ = s;
  return s;
}

Status WalWriter::Append(int64_t timestamp_ms, uint64_t seq, std::string_view json) {
  if (!PayloadLengthValid(static_cast<uint32_t>(std::min<size_t>(json.size(), kMaxPayload + 1)))) {
    return Status::InvalidArgument(path_ + ": record of " + std::to_string(json.size()) +
                                   " bytes; a WAL payload is 1 byte to 1 MiB");
  }
  AddFrame(timestamp_ms, seq, {json});
  return Flush();
}

Status WalWriter::Sync() {
  KPI_RETURN_IF_ERROR(Flush());
  Status s = file_->Sync();
  if (!s.ok()) broken_ = s;  // wal.md §4: never trust the tail after a failed sync
  return s;
}

Status WalWriter::Close() {
  Status s = Flush();
  if (prefilled_end_ > file_->Size()) {
    const Status cut = file_->Truncate(file_->Size());  // the zeros ahead
    if (s.ok()) s = cut;
    prefilled_end_ = 0;
  }
  const Status closed = file_->Close();
  return s.ok() ? closed : s;
}

Status ScanWal(const std::string& path, const std::function<bool(const WalRecord&)>& fn,
               WalScanResult* result) {
  *result = WalScanResult();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  FdCloser closer(fd);
  return ScanWalFd(fd, path, fn, result);
}

Status ScanWalFd(int fd, const std::string& path,
                 const std::function<bool(const WalRecord&)>& fn, WalScanResult* result) {
  *result = WalScanResult();
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, "stat " + path);
  result->file_bytes = static_cast<uint64_t>(st.st_size);
  char header[kHeaderSize];
  size_t got = 0;
  KPI_RETURN_IF_ERROR(PreadFull(fd, path, 0, header, kHeaderSize, &got));
  if (got < kHeaderSize) {
    return Status::Corruption(path + ": header cut short (" + std::to_string(got) +
                              " of 48 bytes); such a file never held a record");
  }
  KPI_RETURN_IF_ERROR(DecodeHeader(header, path, &result->key));
  result->valid_bytes = kHeaderSize;
  ScanWindow window(fd, path, result->file_bytes);
  return ScanFrames(&window, fn, result);
}

Status DecodeFrame(const std::string& path, uint64_t offset, std::string_view frame,
                   WalRecord* record) {
  if (frame.size() < kFrameHeaderSize) {
    return Status::Corruption(path + ": " + At(offset) + "frame header cut short");
  }
  const uint32_t len = DecodeFixed32(frame.data() + 4);
  if (!PayloadLengthValid(len)) {
    return Status::Corruption(path + ": " + At(offset) + "invalid payload length " +
                              std::to_string(len));
  }
  if (frame.size() < kFrameHeaderSize + len) {
    return Status::Corruption(path + ": " + At(offset) + "frame cut short");
  }
  const std::string_view payload = frame.substr(kFrameHeaderSize, len);
  if (!FrameChecksumMatches(frame.data(), payload)) {
    return Status::Corruption(path + ": " + At(offset) + "frame checksum mismatch");
  }
  record->offset = offset;
  record->timestamp_ms = static_cast<int64_t>(DecodeFixed64(frame.data() + 8));
  record->seq = DecodeFixed64(frame.data() + 16);
  record->json = payload;
  return Status::OK();
}

Status ReadWalRecordAt(int fd, const std::string& path, uint64_t offset, WalRecord* record,
                       std::string* json) {
  char h[kFrameHeaderSize];
  size_t got = 0;
  KPI_RETURN_IF_ERROR(PreadFull(fd, path, offset, h, kFrameHeaderSize, &got));
  if (got < kFrameHeaderSize) {
    return Status::Corruption(path + ": " + At(offset) + "frame header cut short");
  }
  const uint32_t len = DecodeFixed32(h + 4);
  if (!PayloadLengthValid(len)) {
    return Status::Corruption(path + ": " + At(offset) + "invalid payload length " +
                              std::to_string(len));
  }
  json->resize(len);
  KPI_RETURN_IF_ERROR(PreadFull(fd, path, offset + kFrameHeaderSize, json->data(), len, &got));
  if (got < len) return Status::Corruption(path + ": " + At(offset) + "frame cut short");
  if (!FrameChecksumMatches(h, *json)) {
    return Status::Corruption(path + ": " + At(offset) + "frame checksum mismatch");
  }
  record->offset = offset;
  record->timestamp_ms = static_cast<int64_t>(DecodeFixed64(h + 8));
  record->seq = DecodeFixed64(h + 16);
  record->json = *json;
  return Status::OK();
}

}  // namespace kpi::wal

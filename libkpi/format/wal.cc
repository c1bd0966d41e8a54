// Writing write-ahead files, format-spec/wal.md. Section numbers below refer to it.
#include "libkpi/format/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "libkpi/util/time_util.h"

namespace kpi::wal {
namespace {

// A group buffer larger than this is released after its write instead of
// being kept for the next group, so one burst does not pin memory per WAL.
constexpr size_t kKeepBufferBytes = 4 << 20;

}  // namespace

WalWriter::WalWriter(FileKey key, std::string path, std::unique_ptr<WritableFile> file)
    : key_(std::move(key)), path_(std::move(path)), file_(std::move(file)) {}

WalWriter::~WalWriter() = default;

Status WalWriter::Create(const StoreLayout& layout, const FileKey& key,
                         std::unique_ptr<WalWriter>* writer) {
  return Create(layout, key, RecordOrder::FixedDefault(), writer);
}

Status WalWriter::Create(const StoreLayout& layout, const FileKey& key, const RecordOrder& order,
                         std::unique_ptr<WalWriter>* writer) {
  if (!IsValidWriterId(key.writer) || HourStart(key.hour_ms) != key.hour_ms) {
    return Status::InvalidArgument("WAL key needs a valid writer id and an hour start");
  }
  FileSystem* fs = layout.fs();
  const std::string path = layout.WalPath(key);
  std::unique_ptr<WritableFile> file;
  KPI_RETURN_IF_ERROR(fs->NewWritableFile(path, /*exclusive=*/true, kStoreFileMode, &file));
  // The header is durable before any frame: a WAL whose header is short or
  // damaged therefore never held an acknowledged record.
  Status s = file->Append(EncodeHeader(key, order));
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
  KPI_RETURN_IF_ERROR(layout.fs()->NewAppendableFile(path, &file));
  if (file->Size() < kHeaderSize) {
    return Status::Corruption(path + ": shorter than the " + std::to_string(kHeaderSize) +
                              "-byte header; cannot append");
  }
  writer->reset(new WalWriter(key, path, std::move(file)));
  return Status::OK();
}

uint64_t WalWriter::size() const { return file_->Size(); }

void WalWriter::AddFrame(int64_t timestamp_ms, uint64_t seq,
                         std::initializer_list<std::string_view> payload_parts) {
  AppendFrame(timestamp_ms, seq, payload_parts, &frame_);
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

}  // namespace kpi::wal

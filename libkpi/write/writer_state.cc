#include "libkpi/write/writer_state.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "libkpi/util/coding.h"
#include "libkpi/util/crc32c.h"
#include "libkpi/env/atomic_file.h"
#include "libkpi/env/file_system.h"

namespace kpi {
namespace {

constexpr size_t kSeqFileSize = 12;  // bound (8) + crc32c (4)

// Takes the writer's lock and notes this process's pid in it; Busy names
// the holder's pid, which it noted the same way.
Status TakeLock(FileSystem* fs, const std::string& path, std::unique_ptr<FileLock>* lock) {
  const Status locked = fs->LockFile(path, kStoreFileMode, lock);
  if (locked.IsBusy()) {
    std::string pid;
    if (!ReadFileToString(fs, path, 32, &pid).ok()) pid.clear();
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Status::Busy(path + " is locked by " + (pid.empty() ? "another process" : "pid " + pid) +
                        ": another kpid runs with this writer id; stop it or give this "
                        "one another writer id");
  }
  KPI_RETURN_IF_ERROR(locked);
  const std::string pid = std::to_string(::getpid()) + "\n";
  const int fd = (*lock)->fd();
  // The pid is only for messages; failing to record it does not matter.
  if (::ftruncate(fd, 0) == 0) static_cast<void>(::pwrite(fd, pid.data(), pid.size(), 0));
  return Status::OK();
}

// True if a WAL or segment of `writer` exists: then its seqs were used.
Status WriterHasFiles(const StoreLayout& layout, const std::string& writer, bool* has) {
  *has = false;
  std::vector<ListedFile> files;
  KPI_RETURN_IF_ERROR(layout.ListWals(kMinTimeMs, kMaxTimeMs, &files));
  for (const auto& f : files) *has |= f.key.writer == writer;
  if (*has) return Status::OK();
  KPI_RETURN_IF_ERROR(layout.ListSegments(kMinTimeMs, kMaxTimeMs, &files));
  for (const auto& f : files) *has |= f.key.writer == writer;
  return Status::OK();
}

}  // namespace

std::string WriterState::WriterIdFromHostName(std::string_view host_name) {
  std::string id;
  for (char c : host_name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) id.push_back(c);
    if (id.size() == kMaxWriterIdLength) break;
  }
  if (id.empty() || id == kCompactWriterId) id = "kpid";
  return id;
}

Status WriterState::ResolveWriterId(const std::string& configured, std::string* id) {
  if (configured.empty()) {
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    *id = WriterIdFromHostName(host);
    return Status::OK();
  }
  if (!IsValidWriterId(configured) || configured == kCompactWriterId) {
    return Status::InvalidArgument("writer id \"" + configured +
                                   "\": use 1-16 characters of [a-z0-9], not \"compact\"");
  }
  *id = configured;
  return Status::OK();
}

WriterState::WriterState(std::string writer_id, std::string dir, FileSystem* fs,
                         std::unique_ptr<FileLock> lock, uint64_t reservation)
    : writer_id_(std::move(writer_id)),
      dir_(std::move(dir)),
      lock_path_(dir_ + "/lock"),
      fs_(fs),
      lock_(std::move(lock)),
      reservation_(reservation) {}

WriterState::~WriterState() = default;  // destroying lock_ drops the flock

Status WriterState::Open(const StoreLayout& layout, const std::string& configured_id,
                         std::unique_ptr<WriterState>* state, uint64_t reservation) {
  if (reservation == 0) return Status::InvalidArgument("seq reservation must be positive");
  std::string id;
  KPI_RETURN_IF_ERROR(ResolveWriterId(configured_id, &id));
  const std::string dir = layout.WriterDir(id);
  KPI_RETURN_IF_ERROR(layout.fs()->CreateDirs(dir));
  std::unique_ptr<FileLock> lock;
  KPI_RETURN_IF_ERROR(TakeLock(layout.fs(), dir + "/lock", &lock));
  std::unique_ptr<WriterState> s(new WriterState(id, dir, layout.fs(), std::move(lock), reservation));
  KPI_RETURN_IF_ERROR(s->Load(layout));
  *state = std::move(s);
  return Status::OK();
}

// Starts at the stored bound (anything below it may have been handed out)
// and reserves the next range before any seq is used.
Status WriterState::Load(const StoreLayout& layout) {
  const std::string path = dir_ + "/seq";
  std::string contents;
  const Status read = ReadFileToString(fs_, path, kSeqFileSize, &contents);
  uint64_t start = 1;
  if (read.IsNotFound()) {
    bool has_files = false;
    KPI_RETURN_IF_ERROR(WriterHasFiles(layout, writer_id_, &has_files));
    if (has_files) {
      return Status::Corruption(path + " is missing but files of writer " + writer_id_ +
                                " exist, so its next seq is unknown; restore the file or "
                                "run with another writer id");
    }
  } else {
    const char* buf = contents.data();
    if (!read.ok() && !read.IsCorruption()) return read;
    if (contents.size() != kSeqFileSize || crc32c::Value(buf, 8) != DecodeFixed32(buf + 8)) {
      return Status::Corruption(path + ": not 8 bytes + crc32c; the next seq is unknown, "
                                       "restore the file or run with another writer id");
    }
    start = DecodeFixed64(buf);
  }
  std::lock_guard<std::mutex> lock(mu_);
  next_ = bound_ = start;
  return Persist(start + reservation_);
}

Status WriterState::Persist(uint64_t bound) {
  char buf[kSeqFileSize];
  EncodeFixed64(buf, bound);
  EncodeFixed32(buf + 8, crc32c::Value(buf, 8));
  KPI_RETURN_IF_ERROR(ReplaceFileContents(fs_, dir_ + "/seq",
                                          std::string_view(buf, sizeof buf), kStoreFileMode));
  bound_ = bound;
  return Status::OK();
}

Status WriterState::NextSeqs(uint64_t n, uint64_t* first) {
  std::lock_guard<std::mutex> lock(mu_);
  if (n == 0 || next_ + n < next_) return Status::InvalidArgument("cannot hand out that many seqs");
  if (next_ + n > bound_) KPI_RETURN_IF_ERROR(Persist(next_ + n + reservation_));
  *first = next_;
  next_ += n;
  return Status::OK();
}

uint64_t WriterState::reserved_bound() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bound_;
}

}  // namespace kpi

#include "testing/fault_injection.h"

#include <string_view>

namespace kpi {
namespace {

Status Injected(const FaultSpec& fault, FsOp op, const std::string& path) {
  return Status::FromErrno(fault.error,
                           std::string("injected fault: ") + FsOpName(op) + " " + path);
}

// Wraps a file of the base file system; every call first asks the owner
// whether a fault fires.
class FaultInjectingFile final : public WritableFile {
 public:
  FaultInjectingFile(FaultInjectingFileSystem* fs, std::string path,
                     std::unique_ptr<WritableFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    FaultSpec fault;
    if (!fs_->ShouldFail(FsOp::kAppend, path_, &fault)) return base_->Append(data);
    if (fault.short_write_bytes > 0) {
      KPI_RETURN_IF_ERROR(base_->Append(data.substr(0, fault.short_write_bytes)));
    }
    return Injected(fault, FsOp::kAppend, path_);
  }
  Status Sync() override { return Checked(FsOp::kSync, [&] { return base_->Sync(); }); }
  Status Truncate(uint64_t size) override {
    return Checked(FsOp::kTruncate, [&] { return base_->Truncate(size); });
  }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }
  int fd() const override { return base_->fd(); }

 private:
  template <typename Fn>
  Status Checked(FsOp op, Fn&& fn) {
    FaultSpec fault;
    if (fs_->ShouldFail(op, path_, &fault)) return Injected(fault, op, path_);
    return fn();
  }

  FaultInjectingFileSystem* fs_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

}  // namespace

const char* FsOpName(FsOp op) {
  switch (op) {
    case FsOp::kAny: return "any";
    case FsOp::kCreate: return "create";
    case FsOp::kAppend: return "write";
    case FsOp::kSync: return "fdatasync";
    case FsOp::kTruncate: return "ftruncate";
    case FsOp::kRename: return "rename";
    case FsOp::kRemove: return "unlink";
    case FsOp::kSyncDir: return "fsync directory";
    case FsOp::kTruncateFile: return "truncate";
    case FsOp::kOpenRead: return "open";
    case FsOp::kRead: return "read";
    case FsOp::kList: return "list directory";
    case FsOp::kCreateDirs: return "mkdir";
    case FsOp::kRemoveDir: return "rmdir";
    case FsOp::kLock: return "flock";
    case FsOp::kDiskSpace: return "statvfs";
  }
  return "?";
}

FaultInjectingFileSystem::FaultInjectingFileSystem(FileSystem* base)
    : base_(base != nullptr ? base : FileSystem::Default()) {}

FaultInjectingFileSystem::~FaultInjectingFileSystem() = default;

void FaultInjectingFileSystem::Inject(const FaultSpec& fault) {
  std::lock_guard<std::mutex> lock(mu_);
  armed_.push_back({fault, 0});
}

void FaultInjectingFileSystem::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  armed_.clear();
}

uint64_t FaultInjectingFileSystem::faults_injected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_injected_;
}

uint64_t FaultInjectingFileSystem::calls(FsOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (op != FsOp::kAny) return calls_[static_cast<int>(op)];
  uint64_t total = 0;
  for (uint64_t n : calls_) total += n;
  return total;
}

bool FaultInjectingFileSystem::ShouldFail(FsOp op, const std::string& path, FaultSpec* fired) {
  std::lock_guard<std::mutex> lock(mu_);
  ++calls_[static_cast<int>(op)];
  for (auto it = armed_.begin(); it != armed_.end(); ++it) {
    const FaultSpec& spec = it->spec;
    if (spec.op != FsOp::kAny && spec.op != op) continue;
    if (path.find(spec.path_contains) == std::string::npos) continue;
    if (++it->seen < spec.nth) continue;
    *fired = spec;
    if (!spec.repeat) armed_.erase(it);
    ++faults_injected_;
    return true;
  }
  return false;
}

template <typename Fn>
Status FaultInjectingFileSystem::Pass(FsOp op, const std::string& path, Fn&& fn) {
  FaultSpec fault;
  if (ShouldFail(op, path, &fault)) return Injected(fault, op, path);
  return fn();
}

Status FaultInjectingFileSystem::NewWritableFile(const std::string& path, bool exclusive, uint32_t mode,
                                                 std::unique_ptr<WritableFile>* file) {
  return Pass(FsOp::kCreate, path, [&] {
    std::unique_ptr<WritableFile> base;
    KPI_RETURN_IF_ERROR(base_->NewWritableFile(path, exclusive, mode, &base));
    *file = std::make_unique<FaultInjectingFile>(this, path, std::move(base));
    return Status::OK();
  });
}

Status FaultInjectingFileSystem::NewAppendableFile(const std::string& path,
                                                   std::unique_ptr<WritableFile>* file) {
  return Pass(FsOp::kCreate, path, [&] {
    std::unique_ptr<WritableFile> base;
    KPI_RETURN_IF_ERROR(base_->NewAppendableFile(path, &base));
    *file = std::make_unique<FaultInjectingFile>(this, path, std::move(base));
    return Status::OK();
  });
}

Status FaultInjectingFileSystem::RenameFile(const std::string& from, const std::string& to) {
  return Pass(FsOp::kRename, from, [&] { return base_->RenameFile(from, to); });
}

Status FaultInjectingFileSystem::RemoveFile(const std::string& path) {
  return Pass(FsOp::kRemove, path, [&] { return base_->RemoveFile(path); });
}

Status FaultInjectingFileSystem::SyncDir(const std::string& dir) {
  return Pass(FsOp::kSyncDir, dir, [&] { return base_->SyncDir(dir); });
}

Status FaultInjectingFileSystem::TruncateFile(const std::string& path, uint64_t size) {
  return Pass(FsOp::kTruncateFile, path, [&] { return base_->TruncateFile(path, size); });
}

Status FaultInjectingFileSystem::ReadAt(int fd, uint64_t offset, size_t n, char* dst, size_t* got,
                                        const std::string& name) {
  *got = 0;
  return Pass(FsOp::kRead, name, [&] { return base_->ReadAt(fd, offset, n, dst, got, name); });
}

Status FaultInjectingFileSystem::GetDiskSpace(const std::string& path, DiskSpace* space) {
  return Pass(FsOp::kDiskSpace, path, [&] { return base_->GetDiskSpace(path, space); });
}

Status FaultInjectingFileSystem::OpenForReading(const std::string& path, int* fd) {
  return Pass(FsOp::kOpenRead, path, [&] { return base_->OpenForReading(path, fd); });
}

Status FaultInjectingFileSystem::GetChildren(const std::string& dir,
                                             std::vector<std::string>* names) {
  return Pass(FsOp::kList, dir, [&] { return base_->GetChildren(dir, names); });
}

Status FaultInjectingFileSystem::GetFileSize(const std::string& path, uint64_t* size) {
  return base_->GetFileSize(path, size);  // a stat: listings' sizes, not worth a fault kind
}

Status FaultInjectingFileSystem::CreateDirs(const std::string& dir) {
  return Pass(FsOp::kCreateDirs, dir, [&] { return base_->CreateDirs(dir); });
}

Status FaultInjectingFileSystem::RemoveDir(const std::string& dir) {
  return Pass(FsOp::kRemoveDir, dir, [&] { return base_->RemoveDir(dir); });
}

Status FaultInjectingFileSystem::LockFile(const std::string& path, uint32_t mode,
                                          std::unique_ptr<FileLock>* lock) {
  return Pass(FsOp::kLock, path, [&] { return base_->LockFile(path, mode, lock); });
}

Status FaultInjectingFileSystem::IsLocked(const std::string& path, bool* locked) {
  return Pass(FsOp::kLock, path, [&] { return base_->IsLocked(path, locked); });
}

int64_t FaultInjectingFileSystem::NowMs() {
  const int64_t set = now_ms_.load(std::memory_order_relaxed);
  return set != 0 ? set : base_->NowMs();
}

void FaultInjectingFileSystem::SetNowMs(int64_t now_ms) {
  now_ms_.store(now_ms, std::memory_order_relaxed);
}

// Restores the instance found at construction rather than trusting
// SetDefaultForTesting's return value, which is the new instance itself when
// none was installed before.
ScopedFaultInjection::ScopedFaultInjection()
    : fs_(std::make_unique<FaultInjectingFileSystem>()), previous_(FileSystem::Default()) {
  static_cast<void>(FileSystem::SetDefaultForTesting(fs_.get()));
}

ScopedFaultInjection::~ScopedFaultInjection() {
  static_cast<void>(FileSystem::SetDefaultForTesting(previous_));
}

}  // namespace kpi

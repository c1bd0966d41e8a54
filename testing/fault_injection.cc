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

Status FaultInjectingFileSystem::NewWritableFile(const std::string& path, bool exclusive, uint32_t mode,
                                                 std::unique_ptr<WritableFile>* file) {
  FaultSpec fault;
  if (ShouldFail(FsOp::kCreate, path, &fault)) return Injected(fault, FsOp::kCreate, path);
  std::unique_ptr<WritableFile> base;
  KPI_RETURN_IF_ERROR(base_->NewWritableFile(path, exclusive, mode, &base));
  *file = std::make_unique<FaultInjectingFile>(this, path, std::move(base));
  return Status::OK();
}

Status FaultInjectingFileSystem::NewAppendableFile(const std::string& path,
                                                   std::unique_ptr<WritableFile>* file) {
  FaultSpec fault;
  if (ShouldFail(FsOp::kCreate, path, &fault)) return Injected(fault, FsOp::kCreate, path);
  std::unique_ptr<WritableFile> base;
  KPI_RETURN_IF_ERROR(base_->NewAppendableFile(path, &base));
  *file = std::make_unique<FaultInjectingFile>(this, path, std::move(base));
  return Status::OK();
}

Status FaultInjectingFileSystem::RenameFile(const std::string& from, const std::string& to) {
  FaultSpec fault;
  if (ShouldFail(FsOp::kRename, from, &fault)) return Injected(fault, FsOp::kRename, from);
  return base_->RenameFile(from, to);
}

Status FaultInjectingFileSystem::RemoveFile(const std::string& path) {
  FaultSpec fault;
  if (ShouldFail(FsOp::kRemove, path, &fault)) return Injected(fault, FsOp::kRemove, path);
  return base_->RemoveFile(path);
}

Status FaultInjectingFileSystem::SyncDir(const std::string& dir) {
  FaultSpec fault;
  if (ShouldFail(FsOp::kSyncDir, dir, &fault)) return Injected(fault, FsOp::kSyncDir, dir);
  return base_->SyncDir(dir);
}

Status FaultInjectingFileSystem::TruncateFile(const std::string& path, uint64_t size) {
  FaultSpec fault;
  if (ShouldFail(FsOp::kTruncateFile, path, &fault)) {
    return Injected(fault, FsOp::kTruncateFile, path);
  }
  return base_->TruncateFile(path, size);
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

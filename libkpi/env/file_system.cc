#include "libkpi/env/file_system.h"
#include "libkpi/env/no_follow.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>

namespace kpi {
namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "write " + path_);
      }
      size_ += static_cast<uint64_t>(n);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return Status::FromErrno(errno, "fdatasync " + path_);
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return Status::FromErrno(errno, "ftruncate " + path_);
    }
    if (::lseek(fd_, static_cast<off_t>(size), SEEK_SET) < 0) {
      return Status::FromErrno(errno, "lseek " + path_);
    }
    size_ = size;
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return Status::FromErrno(errno, "close " + path_);
    return Status::OK();
  }

  uint64_t Size() const override { return size_; }
  int fd() const override { return fd_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Status NewWritableFile(const std::string& path, bool exclusive, uint32_t mode,
                         std::unique_ptr<WritableFile>* file) override {
    int fd;
    KPI_RETURN_IF_ERROR(OpenNoFollow(path, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC),
                                     static_cast<mode_t>(mode), &fd));
    *file = std::make_unique<PosixWritableFile>(path, fd, 0);
    return Status::OK();
  }

  Status NewAppendableFile(const std::string& path,
                           std::unique_ptr<WritableFile>* file) override {
    int fd;
    KPI_RETURN_IF_ERROR(OpenNoFollow(path, O_WRONLY, 0, &fd));
    const off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) {
      const int err = errno;
      ::close(fd);
      return Status::FromErrno(err, "lseek " + path);
    }
    *file = std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(end));
    return Status::OK();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return Status::FromErrno(errno, "rename " + from + " to " + to);
    }
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return Status::FromErrno(errno, "unlink " + path);
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, "open directory " + dir);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return Status::FromErrno(err, "fsync directory " + dir);
    return Status::OK();
  }

  Status TruncateFile(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return Status::FromErrno(errno, "truncate " + path);
    }
    return Status::OK();
  }
};

std::atomic<FileSystem*> g_default{nullptr};

FileSystem* Posix() {
  static PosixFileSystem posix;
  return &posix;
}

}  // namespace

Status FileSystem::ReadAt(int fd, uint64_t offset, size_t n, char* dst, size_t* got,
                          const std::string& name) {
  *got = 0;
  while (*got < n) {
    const ssize_t r = ::pread(fd, dst + *got, n - *got, static_cast<off_t>(offset + *got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "read " + name + " at offset " + std::to_string(offset));
    }
    if (r == 0) break;
    *got += static_cast<size_t>(r);
  }
  return Status::OK();
}

Status FileSystem::GetDiskSpace(const std::string& path, DiskSpace* space) {
  struct stat st;
  struct statvfs vfs;
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
  if (::statvfs(path.c_str(), &vfs) != 0) return Status::FromErrno(errno, "statvfs " + path);
  space->free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  space->total_bytes = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  space->block_bytes = std::max<uint64_t>(vfs.f_frsize, 512);
  space->device = static_cast<uint64_t>(st.st_dev);
  return Status::OK();
}

FileSystem* FileSystem::Default() {
  FileSystem* fs = g_default.load(std::memory_order_acquire);
  return fs != nullptr ? fs : Posix();
}

FileSystem* FileSystem::SetDefaultForTesting(FileSystem* fs) {
  // Returning the real instance (not nullptr) lets a test restore it with the
  // value it got, whatever was installed before.
  FileSystem* previous = g_default.exchange(fs, std::memory_order_acq_rel);
  return previous != nullptr ? previous : Posix();
}

void CrashPoint(std::string_view name) {
  static const char* spec = std::getenv("KPI_CRASH_AT");
  if (spec == nullptr) return;
  static std::mutex mu;
  static int hits = 0;
  std::string_view s(spec);
  int wanted = 1;
  if (const size_t colon = s.find(':'); colon != std::string_view::npos) {
    wanted = std::atoi(std::string(s.substr(colon + 1)).c_str());
    s = s.substr(0, colon);
  }
  if (s != name) return;
  std::lock_guard<std::mutex> lock(mu);
  if (++hits >= wanted) ::_exit(86);
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace kpi

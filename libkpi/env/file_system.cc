#include "libkpi/env/file_system.h"
#include "libkpi/env/no_follow.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <mutex>
#include <thread>
#include <string>

#include "libkpi/util/time_util.h"

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

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // closing the description drops the flock
  int fd() const override { return fd_; }

 private:
  int fd_;
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

Status FileSystem::OpenForReading(const std::string& path, int* fd) {
  *fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (*fd < 0) return Status::FromErrno(errno, "open " + path);
  return Status::OK();
}

Status FileSystem::GetChildren(const std::string& dir, std::vector<std::string>* names) {
  names->clear();
  namespace fs = boost::filesystem;
  boost::system::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) names->push_back(it->path().filename().string());
  if (ec) return Status::FromErrno(ec.value(), "list directory " + dir);
  return Status::OK();
}

Status FileSystem::GetFileSize(const std::string& path, uint64_t* size) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
  *size = static_cast<uint64_t>(st.st_size);
  return Status::OK();
}

Status FileSystem::CreateDirs(const std::string& dir) {
  boost::system::error_code ec;
  boost::filesystem::create_directories(dir, ec);
  if (ec) return Status::FromErrno(ec.value(), "create directory " + dir);
  return Status::OK();
}

Status FileSystem::RemoveDir(const std::string& dir) {
  if (::rmdir(dir.c_str()) != 0) return Status::FromErrno(errno, "remove directory " + dir);
  return Status::OK();
}

Status FileSystem::LockFile(const std::string& path, uint32_t mode, std::unique_ptr<FileLock>* lock) {
  int fd;
  KPI_RETURN_IF_ERROR(OpenNoFollow(path, O_RDWR | O_CREAT, static_cast<mode_t>(mode), &fd));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return Status::Busy(path + " is locked");
    return Status::FromErrno(err, "flock " + path);
  }
  *lock = std::make_unique<PosixFileLock>(fd);
  return Status::OK();
}

Status FileSystem::IsLocked(const std::string& path, bool* locked) {
  *locked = false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Status::OK() : Status::FromErrno(errno, "open " + path);
  const int rc = ::flock(fd, LOCK_SH | LOCK_NB);
  const int err = errno;
  ::close(fd);  // if we got the lock, closing releases it again
  if (rc == 0) return Status::OK();
  if (err != EWOULDBLOCK) return Status::FromErrno(err, "flock " + path);
  *locked = true;
  return Status::OK();
}

int64_t FileSystem::NowMs() { return kpi::NowMs(); }

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

Status ReadFileToString(FileSystem* fs, const std::string& path, size_t max_bytes,
                        std::string* data) {
  int fd;
  KPI_RETURN_IF_ERROR(fs->OpenForReading(path, &fd));
  struct stat st;
  Status s = ::fstat(fd, &st) == 0 ? Status::OK() : Status::FromErrno(errno, "stat " + path);
  const uint64_t size = s.ok() ? static_cast<uint64_t>(st.st_size) : 0;
  if (s.ok() && size > max_bytes) {
    s = Status::Corruption(path + ": " + std::to_string(size) + " bytes, more than the " +
                           std::to_string(max_bytes) + " such a file can have; move it away");
  }
  size_t got = 0;
  if (s.ok()) {
    data->resize(static_cast<size_t>(size));
    s = fs->ReadAt(fd, 0, data->size(), data->data(), &got, path);
  }
  ::close(fd);
  KPI_RETURN_IF_ERROR(s);
  data->resize(got);
  return Status::OK();
}

Status ReadFileIfPresent(FileSystem* fs, const std::string& path, size_t max_bytes,
                         std::string* data, bool* found) {
  const Status read = ReadFileToString(fs, path, max_bytes, data);
  *found = !read.IsNotFound();
  return *found ? read : Status::OK();
}

namespace {

// Whether `spec` ("<name>" or "<name>:<n>") names `name`; *n gets the number
// (`default_n` when none is given).
bool SpecNames(const char* spec, std::string_view name, int default_n, int* n) {
  if (spec == nullptr) return false;
  std::string_view s(spec);
  *n = default_n;
  if (const size_t colon = s.find(':'); colon != std::string_view::npos) {
    *n = std::atoi(std::string(s.substr(colon + 1)).c_str());
    s = s.substr(0, colon);
  }
  return s == name;
}

}  // namespace

void CrashPoint(std::string_view name) {
  static const char* pause_spec = std::getenv("KPI_PAUSE_AT");
  static const char* crash_spec = std::getenv("KPI_CRASH_AT");
  int n = 0;
  if (SpecNames(pause_spec, name, 0, &n)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(n));
  }
  if (!SpecNames(crash_spec, name, 1, &n)) return;
  static std::mutex mu;
  static int hits = 0;
  std::lock_guard<std::mutex> lock(mu);
  if (++hits >= n) ::_exit(86);
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace kpi

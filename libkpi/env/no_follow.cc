#include "libkpi/env/no_follow.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace kpi {
namespace {

bool IsSymlink(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

}  // namespace

Status SymlinkRefused(const std::string& path) {
  return Status::IOError(path + " is a symbolic link; kpi never writes through a link "
                                "(someone may be trying to make it overwrite another file): "
                                "remove the link and retry");
}

Status OpenNoFollow(const std::string& path, int flags, mode_t mode, int* fd) {
  *fd = ::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
  if (*fd >= 0) return Status::OK();
  const int err = errno;
  // ELOOP is Linux's answer for a final symlink; with O_EXCL it is EEXIST.
  if (err == ELOOP || ((err == EEXIST || err == ENOTDIR) && IsSymlink(path))) {
    return SymlinkRefused(path);
  }
  return Status::FromErrno(err, "open " + path);
}

Status CreateTemporary(const std::string& path, mode_t mode, int* fd) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL;
  Status s = OpenNoFollow(path, flags, mode, fd);
  if (s.ok()) return s;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return s;
  // A temporary left by an interrupted run: nobody else writes this name.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno(errno, "remove the leftover temporary " + path);
  }
  return OpenNoFollow(path, flags, mode, fd);
}

}  // namespace kpi

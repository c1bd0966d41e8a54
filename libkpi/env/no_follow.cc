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

}  // namespace kpi

#include "libkpi/ship/clickhouse_credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace kpi {
namespace {

std::string Trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// Checks the open file before a byte of it is read.
Status CheckPrivate(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, "stat " + path);
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + ": credentials file is not a regular file");
  }
  if (st.st_uid != ::geteuid()) {
    return Status::InvalidArgument(path + ": credentials file belongs to uid " +
                                   std::to_string(st.st_uid) + ", not to the user running kpictl (uid " +
                                   std::to_string(::geteuid()) + "); chown it");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument(path + ": credentials file has mode " + mode +
                                   ", readable by others than its owner; chmod 600 it");
  }
  return Status::OK();
}

}  // namespace

Status LoadClickHouseCredentials(const std::string& path, ClickHouseCredentials* credentials) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ELOOP) {
      return Status::InvalidArgument(path + ": credentials file is a symbolic link; name the file itself");
    }
    return Status::FromErrno(errno, "open credentials file " + path);
  }
  Status s = CheckPrivate(fd, path);
  std::string text;
  char buf[4096];
  while (s.ok()) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) s = Status::FromErrno(errno, "read " + path);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > 65536) s = Status::InvalidArgument(path + ": credentials file is over 64 KiB");
  }
  ::close(fd);
  KPI_RETURN_IF_ERROR(s);
  const std::string line = Trim(text.substr(0, text.find('\n')));
  const size_t colon = line.find(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::InvalidArgument(path + ": credentials file must hold one line USER:PASSWORD");
  }
  credentials->user = line.substr(0, colon);
  credentials->password = line.substr(colon + 1);
  return Status::OK();
}

}  // namespace kpi

#include "libkpi/util/secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace kpi {

Status LoadSecretFile(const std::string& path, std::string_view what, std::string* secret) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(errno, std::string(what) + ": open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return Status::InvalidArgument(std::string(what) + ": " + path +
                                   " is empty; put the shared token in it");
  }
  const auto last = s.find_last_not_of(" \t\r\n");
  *secret = s.substr(first, last - first + 1);
  return Status::OK();
}

namespace {

Status CheckOwnerOnly(int fd, const std::string& where) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, where + ": stat");
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(where + " is not a regular file; name the file itself");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument(where + " has mode " + mode +
                                   ": group or others may read or write it; chmod 600 it");
  }
  return Status::OK();
}

}  // namespace

Status ReadPrivateFile(const std::string& path, std::string_view what, size_t max_bytes,
                       std::string* text) {
  const std::string where = std::string(what) + ": " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ELOOP) {
      return Status::InvalidArgument(where + " is a symbolic link; name the file itself");
    }
    return Status::FromErrno(errno, where + ": open");
  }
  Status s = CheckOwnerOnly(fd, where);
  text->clear();
  char buf[4096];
  while (s.ok()) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) s = Status::FromErrno(errno, where + ": read");
    if (n <= 0) break;
    text->append(buf, static_cast<size_t>(n));
    if (text->size() > max_bytes) {
      s = Status::InvalidArgument(where + " is over " + std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  return s;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Walk the longer input whole so the time does not reveal a matching prefix.
  const size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  // Keep the compiler from turning the loop into an early exit.
  volatile unsigned char result = diff;
  return result == 0;
}

}  // namespace kpi

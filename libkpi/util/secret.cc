#include "libkpi/util/secret.h"

#include <cerrno>
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

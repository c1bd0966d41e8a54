#include "kpid/csrf_tokens.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "libkpi/util/secret.h"

namespace kpi {
namespace {

constexpr std::string_view kDomain = "kpi-csrf-1|";
constexpr size_t kNonceBytes = 16;
constexpr size_t kSecretBytes = 32;

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

std::string RandomHex(size_t bytes) {
  unsigned char buf[64];
  // RAND_bytes only fails without an entropy source; kpid cannot run safely then.
  if (bytes > sizeof(buf) || RAND_bytes(buf, static_cast<int>(bytes)) != 1) std::abort();
  return Hex(buf, bytes);
}

Status CheckPrivate(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, "--csrf-secret-file: stat " + path);
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("--csrf-secret-file: " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument("--csrf-secret-file: " + path + " has mode " + mode +
                                   ": others could forge CSRF tokens; chmod 600 it");
  }
  return Status::OK();
}

// Writes a new secret next to `path` and links it into place, so two kpids
// starting at once both end up with the one that won.
Status CreateSecret(const std::string& path) {
  const std::string temp = path + ".new." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, "--csrf-secret-file: create " + temp);
  const std::string text = RandomHex(kSecretBytes) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int write_errno = errno;
  ::close(fd);
  Status s = written ? Status::OK()
                     : Status::FromErrno(write_errno, "--csrf-secret-file: write " + temp);
  if (s.ok() && ::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    s = Status::FromErrno(errno, "--csrf-secret-file: link " + path);
  }
  ::unlink(temp.c_str());
  return s;
}

}  // namespace

CsrfTokens::CsrfTokens(std::string secret, int64_t ttl_ms)
    : secret_(std::move(secret)), ttl_ms_(ttl_ms) {}

Status CsrfTokens::OpenOrCreateSecret(const std::string& path, std::string* secret) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    KPI_RETURN_IF_ERROR(CreateSecret(path));
    fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0) return Status::FromErrno(errno, "--csrf-secret-file: open " + path);
  const Status mode = CheckPrivate(fd, path);
  ::close(fd);
  KPI_RETURN_IF_ERROR(mode);
  KPI_RETURN_IF_ERROR(LoadSecretFile(path, "--csrf-secret-file", secret));
  if (secret->size() < 2 * kSecretBytes) {
    return Status::InvalidArgument("--csrf-secret-file: " + path + " holds " +
                                   std::to_string(secret->size()) + " characters; it needs " +
                                   std::to_string(2 * kSecretBytes) +
                                   " (delete it and kpid creates a new one)");
  }
  return Status::OK();
}

std::string CsrfTokens::Mac(std::string_view signed_part) const {
  std::string message(kDomain);
  message += signed_part;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_len);
  return Hex(mac, mac_len);
}

std::string CsrfTokens::Issue(int64_t now_ms) const {
  const std::string signed_part =
      std::to_string((now_ms + ttl_ms_) / 1000) + "." + RandomHex(kNonceBytes);
  return signed_part + "." + Mac(signed_part);
}

Status CsrfTokens::Verify(std::string_view token, int64_t now_ms) const {
  const Status forged = Status::InvalidArgument("forged csrf token: kpid did not issue it");
  const size_t mac_dot = token.rfind('.');
  if (token.size() > 200 || mac_dot == std::string_view::npos) return forged;
  const std::string_view signed_part = token.substr(0, mac_dot);
  if (!ConstantTimeEquals(token.substr(mac_dot + 1), Mac(signed_part))) return forged;
  int64_t expiry_s = 0;
  const std::string_view expiry = signed_part.substr(0, signed_part.find('.'));
  const auto [end, ec] = std::from_chars(expiry.data(), expiry.data() + expiry.size(), expiry_s);
  if (ec != std::errc() || end != expiry.data() + expiry.size()) return forged;
  if (expiry_s * 1000 <= now_ms) {
    return Status::InvalidArgument("expired csrf token: GET /wsapi/session_context for a new one");
  }
  return Status::OK();
}

}  // namespace kpi

#include "kpid/connection_stream.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace kpi {
namespace {

// How often a wait looks at whether the server is stopping.
constexpr int64_t kStopSliceMs = 100;
constexpr size_t kReadChunk = 4096;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ConnectionStream::ConnectionStream(int sock, int64_t read_timeout_ms, int64_t write_timeout_ms,
                                   StopCheck stopping)
    : sock_(sock), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms),
      stopping_(std::move(stopping)) {}

bool ConnectionStream::Wait(short events, int64_t timeout_ms) const {
  const int64_t deadline = SteadyMs() + std::max<int64_t>(0, timeout_ms);
  for (;;) {
    if (stopping_ && stopping_()) return false;
    const int64_t left = std::max<int64_t>(0, deadline - SteadyMs());
    pollfd p{sock_, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min(left, kStopSliceMs)));
    // Ready, hung up or failed: the next recv or send tells which.
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
    if (left == 0) return false;
  }
}

bool ConnectionStream::Fill(size_t max) {
  const size_t old_size = buffer_.size();
  buffer_.resize(old_size + max);
  ssize_t n;
  do {
    n = ::recv(sock_, buffer_.data() + old_size, max, 0);
  } while (n < 0 && errno == EINTR);
  buffer_.resize(old_size + static_cast<size_t>(std::max<ssize_t>(0, n)));
  return n > 0;
}

bool ConnectionStream::WaitForRequest(int64_t idle_ms) {
  return buffered() > 0 || Wait(POLLIN, idle_ms);
}

HeadResult ConnectionStream::ReadHead(const HeadLimits& limits) {
  buffer_.erase(0, pos_);
  pos_ = 0;
  const int64_t deadline = SteadyMs() + limits.timeout_ms;
  size_t scanned = 0;
  size_t lines = 0;  // ended lines so far, the request line included
  for (;;) {
    for (; scanned < buffer_.size(); ++scanned) {
      if (buffer_[scanned] != '\n') continue;
      // httplib ends the headers at a line that is exactly "\r\n".
      if (scanned >= 2 && buffer_[scanned - 1] == '\r' && buffer_[scanned - 2] == '\n') {
        return scanned + 1 > limits.max_bytes ? HeadResult::kTooManyBytes
                                              : HeadResult::kComplete;
      }
      if (++lines > limits.max_headers + 1) return HeadResult::kTooManyHeaders;
    }
    if (buffer_.size() >= limits.max_bytes) return HeadResult::kTooManyBytes;
    const int64_t left = deadline - SteadyMs();
    if (left <= 0) return HeadResult::kTimedOut;
    if (!Wait(POLLIN, std::min(left, read_timeout_ms_))) {
      if (stopping_ && stopping_()) return HeadResult::kStopped;
      return HeadResult::kTimedOut;
    }
    if (!Fill(kReadChunk)) return HeadResult::kClosed;
  }
}

bool ConnectionStream::is_readable() const {
  return buffered() > 0 || Wait(POLLIN, read_timeout_ms_);
}

bool ConnectionStream::is_writable() const { return Wait(POLLOUT, write_timeout_ms_); }

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (buffered() > 0) {
    const size_t n = std::min(size, buffered());
    std::memcpy(ptr, buffer_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  if (!Wait(POLLIN, read_timeout_ms_)) return -1;
  ssize_t n;
  do {
    n = ::recv(sock_, ptr, size, 0);
  } while (n < 0 && errno == EINTR);
  return n;
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (!Wait(POLLOUT, write_timeout_ms_)) return -1;
  ssize_t n;
  do {
    n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip.clear();
  port = 0;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip.clear();
  port = 0;
}

}  // namespace kpi

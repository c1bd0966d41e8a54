#include "kpid/connection_stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string_view>

namespace kpi {
namespace {

// How often a wait looks at whether the server is stopping.
constexpr int64_t kStopSliceMs = 100;
constexpr size_t kReadChunk = 4096;

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK; }

// A final answer's status line ("HTTP/1.1 200 OK"), not an interim one
// (1xx), which the client waits for before it sends the body.
bool IsFinalResponseHead(std::string_view data) {
  constexpr std::string_view kVersion = "HTTP/1.1 ";
  return data.size() > kVersion.size() && data.substr(0, kVersion.size()) == kVersion &&
         data[kVersion.size()] != '1';
}

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

bool ConnectionStream::Wait(short events, int64_t timeout_ms, OnStop on_stop) const {
  const int64_t deadline = SteadyMs() + std::max<int64_t>(0, timeout_ms);
  for (;;) {
    if (on_stop == OnStop::kGiveUp && stopping_ && stopping_()) return false;
    const int64_t left = std::max<int64_t>(0, deadline - SteadyMs());
    pollfd p{sock_, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min(left, kStopSliceMs)));
    // Ready, hung up or failed: the next recv or send tells which.
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
    if (left == 0) return false;
  }
}

// Uninitialised growth: a std::string zero-filled 4 KiB before every recv,
// ~1 % of kpid's CPU under single-blob load.
void ConnectionStream::Reserve(size_t bytes) {
  if (bytes <= capacity_) return;
  const size_t capacity = std::max(bytes, 2 * capacity_);
  std::unique_ptr<char[]> grown(new char[capacity]);
  if (size_ > 0) std::memcpy(grown.get(), buffer_.get(), size_);
  buffer_ = std::move(grown);
  capacity_ = capacity;
}

ConnectionStream::FillResult ConnectionStream::Fill(size_t max) {
  Reserve(size_ + max);
  ssize_t n;
  do {
    n = ::recv(sock_, buffer_.get() + size_, max, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    size_ += static_cast<size_t>(n);
    return FillResult::kData;
  }
  return n < 0 && WouldBlock() ? FillResult::kNotReady : FillResult::kClosed;
}

bool ConnectionStream::WaitForRequest(int64_t idle_ms) {
  if (stopping_ && stopping_()) return false;
  return buffered() > 0 || Wait(POLLIN, idle_ms);
}

HeadResult ConnectionStream::ReadHead(const HeadLimits& limits) {
  if (pos_ > 0) {  // what httplib read of the last request goes
    std::memmove(buffer_.get(), buffer_.get() + pos_, size_ - pos_);
    size_ -= pos_;
    pos_ = 0;
  }
  const int64_t deadline = SteadyMs() + limits.timeout_ms;
  size_t scanned = 0;
  size_t lines = 0;  // ended lines so far, the request line included
  for (;;) {
    const char* head = buffer_.get();
    for (; scanned < size_; ++scanned) {
      if (head[scanned] != '\n') continue;
      // httplib ends the headers at a line that is exactly "\r\n".
      if (scanned >= 2 && head[scanned - 1] == '\r' && head[scanned - 2] == '\n') {
        return scanned + 1 > limits.max_bytes ? HeadResult::kTooManyBytes
                                              : HeadResult::kComplete;
      }
      if (++lines > limits.max_headers + 1) return HeadResult::kTooManyHeaders;
    }
    if (size_ >= limits.max_bytes) return HeadResult::kTooManyBytes;
    const FillResult filled = Fill(kReadChunk);
    if (filled == FillResult::kData) continue;
    if (filled == FillResult::kClosed) return HeadResult::kClosed;
    const int64_t left = deadline - SteadyMs();
    if (left <= 0) return HeadResult::kTimedOut;
    if (!Wait(POLLIN, std::min(left, read_timeout_ms_))) {
      if (stopping_ && stopping_()) return HeadResult::kStopped;
      return HeadResult::kTimedOut;
    }
  }
}

bool ConnectionStream::is_readable() const {
  return buffered() > 0 || Wait(POLLIN, read_timeout_ms_, OnStop::kKeepWaiting);
}

bool ConnectionStream::is_writable() const { return Wait(POLLOUT, write_timeout_ms_); }

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (buffered() > 0) {
    const size_t n = std::min(size, buffered());
    std::memcpy(ptr, buffer_.get() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  for (;;) {
    ssize_t n;
    do {
      n = ::recv(sock_, ptr, size, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n >= 0 || !WouldBlock()) return n;
    int64_t wait_ms = read_timeout_ms_;
    if (body_deadline_ms_ != 0) wait_ms = std::min(wait_ms, body_deadline_ms_ - SteadyMs());
    if (wait_ms <= 0 || !Wait(POLLIN, wait_ms, OnStop::kKeepWaiting)) {
      body_timed_out_ = true;
      return -1;
    }
  }
}

void ConnectionStream::StartBody(int64_t timeout_ms) {
  body_deadline_ms_ = SteadyMs() + timeout_ms;
  body_timed_out_ = false;
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (hold_head_ && held_.empty() && IsFinalResponseHead(std::string_view(ptr, size))) {
    hold_head_ = false;
    held_.assign(ptr, size);
    return static_cast<ssize_t>(size);
  }
  return Send(ptr, size);
}

bool ConnectionStream::SendHeld() {
  hold_head_ = false;
  return held_.empty() || Send(nullptr, 0) == 0;
}

ssize_t ConnectionStream::Send(const char* data, size_t size) {
  size_t held_sent = 0;
  for (;;) {
    iovec parts[2] = {{held_.data() + held_sent, held_.size() - held_sent},
                      {const_cast<char*>(data), size}};
    msghdr message{};
    message.msg_iov = held_sent < held_.size() ? parts : parts + 1;
    message.msg_iovlen = held_sent < held_.size() ? 2 : 1;
    ssize_t n;
    do {
      n = ::sendmsg(sock_, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && !WouldBlock()) break;
    const size_t held_left = held_.size() - held_sent;
    if (n >= 0 && static_cast<size_t>(n) >= held_left) {
      held_.clear();
      held_sent = 0;
      const size_t sent = static_cast<size_t>(n) - held_left;
      if (sent > 0 || size == 0) return static_cast<ssize_t>(sent);
    } else if (n > 0) {
      held_sent += static_cast<size_t>(n);
    }
    if (!Wait(POLLOUT, write_timeout_ms_)) break;
  }
  held_.clear();  // the connection is lost
  return -1;
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

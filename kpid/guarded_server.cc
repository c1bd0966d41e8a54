#include "kpid/guarded_server.h"

#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "libkpi/ingest/ingest_service.h"

namespace kpi {
namespace {

// After refusing a request kpid stops reading it, and closing a socket with
// unread bytes sends a reset that can destroy the answer before the client
// reads it. So it half-closes and reads the rest away, within these bounds.
constexpr int64_t kLingerMs = 1000;
constexpr size_t kLingerBytes = 256 << 10;
constexpr int64_t kLingerPauseMs = 100;

int64_t Ms(time_t sec, time_t usec) { return sec * 1000 + usec / 1000; }

struct Refusal {
  const char* error;   // the JSON body's "error"
  const char* phrase;  // the status line's reason phrase
};

Refusal RefusalOf(int status) {
  switch (status) {
    case 408: return {"request_timeout", "Request Timeout"};
    case 431: return {"request_header_fields_too_large", "Request Header Fields Too Large"};
    default: return {"unavailable", "Service Unavailable"};
  }
}

void Linger(int sock) {
  ::shutdown(sock, SHUT_WR);
  char scratch[4096];
  size_t drained = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kLingerMs);
  while (drained < kLingerBytes) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    // A client that has gone quiet has nothing left to reset the answer
    // with: stop after a short pause rather than hold the worker.
    pollfd p{sock, POLLIN, 0};
    const int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), kLingerPauseMs));
    if (wait_ms <= 0 || ::poll(&p, 1, wait_ms) <= 0) break;
    const ssize_t n = ::recv(sock, scratch, sizeof(scratch), 0);
    if (n <= 0) break;
    drained += static_cast<size_t>(n);
  }
}

}  // namespace

GuardedServer::GuardedServer(ConnectionLimits limits, RefusalCounter count_refusal)
    : limits_(limits), count_refusal_(std::move(count_refusal)) {}

bool GuardedServer::Stopping() const { return svr_sock_ == INVALID_SOCKET; }

bool GuardedServer::process_and_close_socket(socket_t sock) {
  ConnectionStream stream(sock, Ms(read_timeout_sec_, read_timeout_usec_),
                          Ms(write_timeout_sec_, write_timeout_usec_),
                          [this] { return Stopping(); });
  const size_t open = open_.fetch_add(1) + 1;
  bool served = false;
  if (open > limits_.max_connections) {
    Refuse(&stream, 503, std::to_string(limits_.max_connections) +
                             " connections are open (--max-connections); retry shortly");
  } else if (sock >= FD_SETSIZE) {
    // httplib's request parser answers 500 for such a descriptor.
    Refuse(&stream, 503, "kpid has too many files open; retry shortly");
  } else {
    served = Serve(&stream);
  }
  open_.fetch_sub(1);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

bool GuardedServer::Serve(ConnectionStream* stream) {
  bool served = false;
  for (size_t left = keep_alive_max_count_; left > 0 && !Stopping(); --left) {
    if (!stream->WaitForRequest(keep_alive_timeout_sec_ * 1000)) break;
    const HeadResult head = stream->ReadHead(limits_.head);
    if (head == HeadResult::kClosed || head == HeadResult::kStopped) break;
    if (head != HeadResult::kComplete) {
      RefuseHead(stream, head);
      break;
    }
    bool connection_closed = false;
    stream->HoldResponseHead();
    stream->StartBody(limits_.body_timeout_ms);
    served = process_request(*stream, left == 1, connection_closed, nullptr);
    if (!stream->SendHeld()) break;
    if (stream->body_timed_out()) break;  // the rest of the body may still come
    if (!served || connection_closed) break;
  }
  return served;
}

void GuardedServer::RefuseHead(ConnectionStream* stream, HeadResult head) {
  const HeadLimits& h = limits_.head;
  switch (head) {
    case HeadResult::kTooManyHeaders:
      return Refuse(stream, 431, "more than " + std::to_string(h.max_headers) +
                                     " header lines (--max-headers)");
    case HeadResult::kTooManyBytes:
      return Refuse(stream, 431, "request line and headers over " +
                                     std::to_string(h.max_bytes) +
                                     " bytes (--max-header-bytes)");
    default:
      return Refuse(stream, 408, "the request line and headers did not arrive within " +
                                     std::to_string(h.timeout_ms) +
                                     " ms (--header-timeout) or paused past --read-timeout");
  }
}

void GuardedServer::Refuse(ConnectionStream* stream, int status, const std::string& reason) {
  const Refusal refusal = RefusalOf(status);
  const std::string body = ErrorJson(refusal.error, reason);
  std::string answer = "HTTP/1.1 " + std::to_string(status) + " " + refusal.phrase +
                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n";
  if (status == 503) answer += "Retry-After: 1\r\n";
  answer += "\r\n" + body;
  size_t sent = 0;
  while (sent < answer.size()) {
    const ssize_t n = stream->write(answer.data() + sent, answer.size() - sent);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  if (count_refusal_) count_refusal_(status);
  Linger(stream->socket());
}

}  // namespace kpi

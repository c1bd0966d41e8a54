// ConnectionStream: one client connection as cpp-httplib's Stream, read
// through a buffer kpid owns, so that kpid bounds the request line and
// headers before httplib parses them (httplib 0.11 bounds only the length
// of one line, after reading all of it).
//
// Contract: WaitForRequest waits, up to the keep-alive timeout, for the
// first byte of a request. ReadHead then buffers the request line and
// headers up to the blank line that ends them and refuses a head with more
// header lines or bytes than HeadLimits allows, or one that is not complete
// by its deadline (a client trickling a byte every few seconds never trips
// a per-read timeout). It never buffers more than max_bytes plus one read.
// httplib then reads the head and the body through read(), from the buffer
// first, the body by the deadline StartBody set; bytes of a pipelined next
// request stay buffered for the next ReadHead. Every wait uses poll() (no
// FD_SETSIZE limit). A wait for a request or its head gives up when
// `stopping` returns true; a body is awaited up to the read timeout and its
// deadline even then, because a request whose head was read is served: a
// clean stop never answers 400 to a client whose body was still on the wire
// (a client that writes head and body in two sends is one). The peer's
// address is never asked for: kpid keeps nothing about the sender, so
// get_remote_ip_and_port reports none.
//
// Fewer system calls per request: reads and writes are tried at once and
// poll() only when the socket is not ready (a ready socket's poll was ~4 %
// of kpid's CPU under single-blob load), and after HoldResponseHead the
// response head waits for the first bytes of the body and leaves in the
// same send, so a short answer is one TCP segment, not two; SendHeld sends a
// head held with no body behind it. Interim answers (100 Continue) are never
// held: the client waits for them.
//
// Thread-safety: one connection, used by one thread.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace kpi {

struct HeadLimits {
  size_t max_headers = 100;       // header lines, the request line not counted
  size_t max_bytes = 32 << 10;    // request line and headers, line ends included
  int64_t timeout_ms = 10000;     // from the request's first byte to its blank line
};

enum class HeadResult {
  kComplete,     // the buffer starts with a whole head
  kClosed,       // the client closed, or a socket error, before a whole head
  kTooManyHeaders,
  kTooManyBytes,
  kTimedOut,
  kStopped,      // the server is stopping
};

class ConnectionStream : public httplib::Stream {
 public:
  using StopCheck = std::function<bool()>;

  ConnectionStream(int sock, int64_t read_timeout_ms, int64_t write_timeout_ms,
                   StopCheck stopping);

  // True once a byte of the next request is buffered or readable; false
  // after `idle_ms` without one, on EOF or error, or when stopping.
  bool WaitForRequest(int64_t idle_ms);
  HeadResult ReadHead(const HeadLimits& limits);
  // The next final response head written is held until more is written or
  // SendHeld; false if sending what was held failed.
  void HoldResponseHead() { hold_head_ = true; }
  bool SendHeld();
  // The body after the head just read must arrive within `timeout_ms`: a
  // read past that, or one that waited past the read timeout, fails (the
  // route answers that it could not read the body) and marks the stream
  // (body_timed_out), whose connection is then closed.
  void StartBody(int64_t timeout_ms);
  bool body_timed_out() const { return body_timed_out_; }

  // httplib::Stream.
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return sock_; }

 private:
  size_t buffered() const { return size_ - pos_; }
  enum class OnStop { kGiveUp, kKeepWaiting };
  // poll() for `events` up to `timeout_ms`, in slices that look at
  // `stopping_` unless told to keep waiting; true when ready.
  bool Wait(short events, int64_t timeout_ms, OnStop on_stop = OnStop::kGiveUp) const;
  enum class FillResult { kData, kClosed, kNotReady };
  // Appends one recv() of up to `max` bytes, without waiting.
  FillResult Fill(size_t max);
  void Reserve(size_t bytes);
  // send() of `data` after what is held, waiting up to the write timeout
  // whenever the socket is full; the bytes of `data` sent, or -1.
  ssize_t Send(const char* data, size_t size);

  const int sock_;
  const int64_t read_timeout_ms_;
  const int64_t write_timeout_ms_;
  const StopCheck stopping_;
  std::unique_ptr<char[]> buffer_;  // bytes [0, size_) received, capacity_ allocated
  size_t capacity_ = 0;
  size_t size_ = 0;
  size_t pos_ = 0;  // next byte httplib reads
  bool hold_head_ = false;
  std::string held_;  // a response head not yet sent
  int64_t body_deadline_ms_ = 0;  // steady clock; 0: none
  bool body_timed_out_ = false;
};

}  // namespace kpi

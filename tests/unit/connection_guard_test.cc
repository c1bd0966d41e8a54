// kpid's connection guard: ConnectionStream's head limits and held response
// heads over a socketpair,
// WorkerPool's growth, log lines that escape control characters, and the
// warning for non-loopback listeners.
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "kpid/connection_stream.h"
#include "kpid/privacy_page.h"
#include "kpid/protection_warnings.h"
#include "kpid/server_options.h"
#include "kpid/worker_pool.h"
#include "libkpi/util/log.h"

using namespace kpi;

namespace {

// A connected pair: the client end `client`, the stream on the other.
struct Pair {
  Pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    client = fds[0];
    server = fds[1];
  }
  ~Pair() {
    ::close(client);
    ::close(server);
  }
  void Send(const std::string& bytes) const {
    REQUIRE(::send(client, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
  }
  int client = -1;
  int server = -1;
};

HeadLimits Limits(size_t headers, size_t bytes, int64_t timeout_ms = 2000) {
  HeadLimits limits;
  limits.max_headers = headers;
  limits.max_bytes = bytes;
  limits.timeout_ms = timeout_ms;
  return limits;
}

std::string ReadAll(ConnectionStream* stream, size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = stream->read(out.data() + got, n - got);
    REQUIRE(r > 0);
    got += static_cast<size_t>(r);
  }
  return out;
}

std::string g_logged;
void CaptureLog(std::string_view line) { g_logged.append(line); }

}  // namespace

TEST_CASE("a head within the limits is served from the buffer, body and next request kept") {
  Pair pair;
  ConnectionStream stream(pair.server, 1000, 1000, nullptr);
  const std::string head = "POST / HTTP/1.1\r\nHost: k\r\nContent-Length: 4\r\n\r\n";
  pair.Send(head + "bodyGET /next HTTP/1.1\r\n\r\n");
  REQUIRE(stream.WaitForRequest(1000));
  REQUIRE(stream.ReadHead(Limits(2, 1024)) == HeadResult::kComplete);
  CHECK(ReadAll(&stream, head.size()) == head);
  CHECK(ReadAll(&stream, 4) == "body");
  REQUIRE(stream.WaitForRequest(0));  // the pipelined request is buffered
  REQUIRE(stream.ReadHead(Limits(2, 1024)) == HeadResult::kComplete);
  const std::string next = "GET /next HTTP/1.1\r\n\r\n";
  CHECK(ReadAll(&stream, next.size()) == next);
}

TEST_CASE("too many header lines, too many bytes, too slow and closed are told apart") {
  Pair pair;
  ConnectionStream stream(pair.server, 1000, 1000, nullptr);
  SECTION("header lines") {
    pair.Send("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
    CHECK(stream.ReadHead(Limits(2, 1024)) == HeadResult::kTooManyHeaders);
  }
  SECTION("exactly the header limit") {
    pair.Send("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n");
    CHECK(stream.ReadHead(Limits(2, 1024)) == HeadResult::kComplete);
  }
  SECTION("bytes, with the blank line never sent") {
    pair.Send("GET / HTTP/1.1\r\nX: " + std::string(2000, 'x'));
    CHECK(stream.ReadHead(Limits(100, 1024)) == HeadResult::kTooManyBytes);
  }
  SECTION("bytes of a complete head") {
    pair.Send("GET / HTTP/1.1\r\nX: " + std::string(2000, 'x') + "\r\n\r\n");
    CHECK(stream.ReadHead(Limits(100, 1024)) == HeadResult::kTooManyBytes);
  }
  SECTION("a head that is not complete by the deadline") {
    pair.Send("GET / HTTP/1.1\r\nX: ");
    CHECK(stream.ReadHead(Limits(100, 1024, 200)) == HeadResult::kTimedOut);
  }
  SECTION("the client closes mid-head") {
    pair.Send("GET / HT");
    ::shutdown(pair.client, SHUT_WR);
    CHECK(stream.ReadHead(Limits(100, 1024)) == HeadResult::kClosed);
  }
}

TEST_CASE("a stopping server ends a wait for a head") {
  Pair pair;
  ConnectionStream stream(pair.server, 5000, 1000, [] { return true; });
  pair.Send("GET / HT");
  CHECK(stream.ReadHead(Limits(100, 1024, 5000)) == HeadResult::kStopped);
  CHECK_FALSE(stream.WaitForRequest(5000));
}

TEST_CASE("a stopping server still reads the body of a request whose head it read") {
  Pair pair;
  ConnectionStream stream(pair.server, 5000, 1000, [] { return true; });
  const std::string head = "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n";
  pair.Send(head);
  CHECK(stream.ReadHead(Limits(100, 1024, 5000)) == HeadResult::kComplete);
  CHECK(ReadAll(&stream, head.size()) == head);
  ssize_t sent = 0;  // Catch2's assertions are for the main thread
  std::thread late_body([&pair, &sent] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    sent = ::send(pair.client, "body", 4, 0);
  });
  CHECK(stream.is_readable());
  CHECK(ReadAll(&stream, 4) == "body");
  late_body.join();
  CHECK(sent == 4);
}

TEST_CASE("a body not in full by its deadline fails the read and marks the stream") {
  Pair pair;
  ConnectionStream stream(pair.server, 5000, 1000, nullptr);
  const std::string head = "POST / HTTP/1.1\r\nContent-Length: 8\r\n\r\n";
  pair.Send(head + "half");
  REQUIRE(stream.ReadHead(Limits(100, 1024)) == HeadResult::kComplete);
  REQUIRE(ReadAll(&stream, head.size()) == head);
  stream.StartBody(200);  // well inside the 5 s read timeout
  CHECK(ReadAll(&stream, 4) == "half");
  CHECK_FALSE(stream.body_timed_out());
  char rest[4];
  CHECK(stream.read(rest, sizeof rest) == -1);
  CHECK(stream.body_timed_out());
  stream.StartBody(200);  // the next request's body starts clean
  CHECK_FALSE(stream.body_timed_out());
}

// What the client end can read now, without waiting.
std::string Pending(const Pair& pair) {
  std::string out;
  char chunk[4096];
  ssize_t n;
  while ((n = ::recv(pair.client, chunk, sizeof chunk, MSG_DONTWAIT)) > 0) out.append(chunk, n);
  return out;
}

TEST_CASE("a held response head leaves with the first body bytes, in one send") {
  Pair pair;
  ConnectionStream stream(pair.server, 1000, 1000, nullptr);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n";
  stream.HoldResponseHead();
  REQUIRE(stream.write(head.data(), head.size()) == static_cast<ssize_t>(head.size()));
  CHECK(Pending(pair).empty());
  REQUIRE(stream.write("body", 4) == 4);
  CHECK(Pending(pair) == head + "body");
  REQUIRE(stream.SendHeld());  // nothing left
  CHECK(Pending(pair).empty());
}

TEST_CASE("a head with no body behind it is sent by SendHeld") {
  Pair pair;
  ConnectionStream stream(pair.server, 1000, 1000, nullptr);
  const std::string head = "HTTP/1.1 204 No Content\r\n\r\n";
  stream.HoldResponseHead();
  REQUIRE(stream.write(head.data(), head.size()) == static_cast<ssize_t>(head.size()));
  CHECK(Pending(pair).empty());
  REQUIRE(stream.SendHeld());
  CHECK(Pending(pair) == head);
}

TEST_CASE("an interim 100 Continue is sent at once, and the final head is held") {
  Pair pair;
  ConnectionStream stream(pair.server, 1000, 1000, nullptr);
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  stream.HoldResponseHead();
  REQUIRE(stream.write(interim.data(), interim.size()) == static_cast<ssize_t>(interim.size()));
  CHECK(Pending(pair) == interim);
  const std::string head = "HTTP/1.1 200 OK\r\n\r\n";
  REQUIRE(stream.write(head.data(), head.size()) == static_cast<ssize_t>(head.size()));
  CHECK(Pending(pair).empty());
  REQUIRE(stream.SendHeld());
  CHECK(Pending(pair) == head);
}

TEST_CASE("a body larger than the socket's buffer follows a held head whole and in order") {
  Pair pair;
  ConnectionStream stream(pair.server, 5000, 5000, nullptr);
  const std::string head = "HTTP/1.1 200 OK\r\n\r\n";
  std::string body(8 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  std::string received;
  std::thread reader([&] {
    char chunk[65536];
    ssize_t n;
    while (received.size() < head.size() + body.size() &&
           (n = ::recv(pair.client, chunk, sizeof chunk, 0)) > 0) {
      received.append(chunk, n);
    }
  });
  stream.HoldResponseHead();
  REQUIRE(stream.write(head.data(), head.size()) == static_cast<ssize_t>(head.size()));
  size_t sent = 0;
  while (sent < body.size()) {
    const ssize_t n = stream.write(body.data() + sent, body.size() - sent);
    REQUIRE(n > 0);
    sent += static_cast<size_t>(n);
  }
  REQUIRE(stream.SendHeld());
  reader.join();
  CHECK(received == head + body);
}

TEST_CASE("the worker pool starts a worker for each task that finds none idle") {
  WorkerPool pool(1, 8);
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  bool release = false;
  for (int i = 0; i < 5; ++i) {
    pool.enqueue([&] {
      std::unique_lock<std::mutex> lock(mu);
      ++running;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    });
  }
  {
    // Five tasks that each hold their worker run at once with min_threads 1.
    std::unique_lock<std::mutex> lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return running == 5; }));
    release = true;
    cv.notify_all();
  }
  pool.shutdown();
  CHECK(running == 5);
}

TEST_CASE("workers a burst started end when idle; the first ones stay") {
  WorkerPool pool(2, 8, std::chrono::milliseconds(50));
  std::atomic<int> done{0};
  std::atomic<bool> release{false};
  for (int i = 0; i < 6; ++i) {
    pool.enqueue([&] {
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      ++done;
    });
  }
  CHECK(pool.threads() >= 6);
  release = true;
  for (int i = 0; i < 1000 && pool.threads() > 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(pool.threads() == 2);
  CHECK(done == 6);
  pool.shutdown();
  CHECK(pool.threads() == 0);
}

TEST_CASE("the worker pool runs queued tasks past its cap once a worker is free") {
  std::atomic<int> done{0};
  {
    WorkerPool pool(1, 2);
    for (int i = 0; i < 20; ++i) pool.enqueue([&] { ++done; });
    pool.shutdown();
  }
  CHECK(done == 20);
}

TEST_CASE("log lines write control characters as \\xNN") {
  g_logged.clear();
  SetLogSink(CaptureLog);
  LogInfo("GET /x\n2026-01-01T00:00:00.000Z error forged\r\x1b[31m");
  SetLogSink(nullptr);
  CHECK(g_logged.find("GET /x\\x0a2026-01-01T00:00:00.000Z error forged\\x0d\\x1b[31m\n") !=
        std::string::npos);
  CHECK(std::count(g_logged.begin(), g_logged.end(), '\n') == 1);
}

TEST_CASE("listeners that are not loopback are warned about") {
  const auto warned = [](const std::string& listen, const std::string& read_listen) {
    ServerOptions o;
    o.listen = listen;
    o.read_listen = read_listen;
    for (const std::string& w : WeakenedProtections(o)) {
      if (w.find("not a loopback address") != std::string::npos) return true;
    }
    return false;
  };
  CHECK_FALSE(warned("127.0.0.1:8080", ""));
  CHECK_FALSE(warned("127.8.9.10:8080", "[::1]:8081"));
  CHECK_FALSE(warned("localhost:8080", "localhost:8081"));
  CHECK(warned(":8080", ""));  // every address
  CHECK(warned("0.0.0.0:8080", ""));
  CHECK(warned("192.0.2.1:8080", ""));
  CHECK(warned("127.0.0.1:8080", "[::]:8081"));
  CHECK(warned("127.0.0.1:8080", "kpi.example.com:8081"));
}

TEST_CASE("the privacy page escapes what it quotes") {
  CHECK(EscapeHtml("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

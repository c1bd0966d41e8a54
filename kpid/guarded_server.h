// GuardedServer: cpp-httplib's Server with kpid's own connection loop, which
// bounds what one client can hold: a connection cap (--max-connections), and
// a request line and headers bounded in header lines, bytes and time
// (--max-headers, --max-header-bytes, --header-timeout) before httplib
// parses them (ConnectionStream). httplib still parses, routes and answers.
//
// Contract: a connection past max_connections, or whose descriptor is too
// large for httplib's select(), gets 503 with Retry-After and is closed; a
// head with too many header lines or bytes gets 431, one that is not
// complete by --header-timeout (or pauses longer than --read-timeout) gets
// 408; each such answer is a small JSON error, closes the connection, and is
// passed to `count_refusal` (metrics). A client that only connects and sends
// nothing is closed after the keep-alive timeout. No path answers 500.
//
// Thread-safety: as httplib::Server; process_and_close_socket runs on the
// listener's task queue (WorkerPool), one thread per connection.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <string>

#include "kpid/connection_stream.h"

namespace kpi {

struct ConnectionLimits {
  size_t max_connections = 512;
  HeadLimits head;
  int64_t body_timeout_ms = 30000;  // from the head's end to the body's last byte
};

class GuardedServer : public httplib::Server {
 public:
  using RefusalCounter = std::function<void(int status)>;

  GuardedServer(ConnectionLimits limits, RefusalCounter count_refusal);

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Serves keep-alive requests until one side closes; httplib's result.
  bool Serve(ConnectionStream* stream);
  void RefuseHead(ConnectionStream* stream, HeadResult head);
  void Refuse(ConnectionStream* stream, int status, const std::string& reason);
  bool Stopping() const;

  const ConnectionLimits limits_;
  const RefusalCounter count_refusal_;
  std::atomic<size_t> open_{0};
};

}  // namespace kpi

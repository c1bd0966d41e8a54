// HttpServer: kpid's HTTP face (cpp-httplib), one GuardedServer per
// listener (guarded_server.h: connection cap, header limits and deadline).
//
//   --listen       POST /wsapi/interaction_data, GET /healthz, the privacy
//                  routes (privacy_routes.h: session_context, the opt-out
//                  page), and, unless
//                  --read-listen is set, GET /metrics and the read API
//   --read-listen  GET /metrics, GET /healthz and the read API
//
// Contract: every answer, httplib's own errors included (404, 413, a bad
// request line), carries a small JSON body {"error":..., "reason":...} or
// the route's JSON; client faults never become 500. POST bodies are read
// with a cap of --max-body, chunked ones too. Stop stops accepting, lets
// in-flight requests finish and joins the listener threads.
//
// Thread-safety: Bind, Start and Stop from one thread; the handlers run on
// each listener's worker pool (--threads).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "libkpi/ingest/ingest_service.h"
#include "kpid/metrics.h"
#include "kpid/server_options.h"
#include "libkpi/util/status.h"

namespace httplib {
class Server;
}

namespace kpi {

class CsrfTokens;
class PrivacyPage;
class ReadApi;

// Free bytes for unprivileged users on the file system holding `path`; -1
// when statvfs fails.
int64_t FreeDiskBytes(const std::string& path);

// The transport settings kpid gives every listener: a WorkerPool of
// --threads workers growing to --max-connections, TCP_NODELAY, SO_REUSEADDR
// (never SO_REUSEPORT), keep-alive and timeouts from `options`. httplib
// reports the listening socket it creates through `listen_socket`, which
// must outlive the server. Shared with
// bench/kpid-ceiling, which measures this transport without kpid's work.
void ConfigureTransport(const ServerOptions& options, httplib::Server* server,
                        int* listen_socket);

// Raises a bound listening socket's backlog past httplib's 5; a no-op for -1.
void RaiseListenBacklog(int listen_socket);

class HttpServer {
 public:
  // `stats` may be null (no committer figures in /metrics); `read_api` may
  // be null (the read API answers 404); `csrf_tokens` may be null (no
  // /wsapi/session_context, no privacy page); `privacy_page` may be null
  // (no /wsapi/privacy). All must outlive the server.
  HttpServer(const ServerOptions& options, IngestService* ingest, Metrics* metrics,
             const CommitterStats* stats, const ReadApi* read_api,
             const CsrfTokens* csrf_tokens = nullptr,
             const PrivacyPage* privacy_page = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds every listener. IOError naming the address when one cannot be
  // bound (in use, no permission).
  Status Bind();
  // Serves on background threads; returns once every listener accepts.
  void Start();
  // Stops accepting, answers in-flight requests, joins. Idempotent.
  void Stop();

  int port() const { return port_; }            // the bound --listen port
  int read_port() const { return read_port_; }  // 0 without --read-listen

 private:
  struct Listener;

  std::unique_ptr<httplib::Server> NewServer() const;  // a GuardedServer
  void ConfigureCommon(httplib::Server* server);
  void AddIngestRoutes(httplib::Server* server);
  void AddHealthRoute(httplib::Server* server);
  void AddReadRoutes(httplib::Server* server);
  Status BindOne(const std::string& address, const char* option, httplib::Server* server,
                 int* port);

  const ServerOptions& options_;
  IngestService* ingest_;
  Metrics* metrics_;
  const CommitterStats* stats_;
  const ReadApi* read_api_;
  const CsrfTokens* csrf_tokens_;
  const PrivacyPage* privacy_page_;
  std::unique_ptr<httplib::Server> public_;
  std::unique_ptr<httplib::Server> read_;  // null without --read-listen
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
  int read_port_ = 0;
  int last_socket_ = -1;  // the listening socket httplib's last bind created
};

}  // namespace kpi

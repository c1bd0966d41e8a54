#include "kpid/http_server.h"

#include <httplib.h>
#include <strings.h>
#include <sys/socket.h>

#include <chrono>
#include <random>

#include "libkpi/util/random.h"
#include "libkpi/env/file_system.h"
#include "libkpi/util/log.h"
#include "kpid/guarded_server.h"
#include "kpid/privacy_routes.h"
#include "kpid/read_api.h"
#include "kpid/worker_pool.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

constexpr const char* kIngestPath = "/wsapi/interaction_data";
// cpp-httplib 0.11 listens with a backlog of 5, compiled into the library.
// Keep-alive clients that reconnect together (each connection ends after
// --keep-alive-max requests) overflow that, and every dropped SYN costs its
// client a 1 s retransmit: p99 went from ~10 ms to ~1 s under 64 connections.
constexpr int kListenBacklog = 1024;
constexpr const char* kJson = "application/json";
// A body read fails when the client closes, sends a malformed chunk, or is
// too slow (then GuardedServer closes the connection); a closed client reads
// nothing, so the reason speaks to the rest.
constexpr const char* kUnreadBody =
    "could not read the body: a malformed chunk, or not in full within --body-timeout "
    "(or a pause past --read-timeout)";
// Workers beyond --max-connections: they answer 503 to connections past the
// cap, so those never queue behind the connections being served.
constexpr size_t kRefusalWorkers = 16;

const std::string kContentType = "Content-Type";

// The ingest route's headers, taken in one pass over the request's. Eleven
// lookups in cpp-httplib's case-insensitive map cost ~3 % of kpid's CPU
// under single-blob load (a tolower call per character compared).
struct IngestHeaders {
  std::string_view transfer_encoding;
  bool has_content_length = false;
};

bool NameIs(const std::string& name, std::string_view wanted) {
  return name.size() == wanted.size() &&
         strncasecmp(name.data(), wanted.data(), wanted.size()) == 0;
}

// Fills `in`'s header fields (the first of repeated headers, as
// Request::get_header_value does) and `headers`.
void TakeIngestHeaders(const httplib::Request& req, const std::string& forwarder_header,
                       IngestInput* in, IngestHeaders* headers) {
  struct Wanted {
    std::string_view name;
    std::string_view* value;
    bool* present;
  };
  std::string_view content_length;
  const Wanted wanted[] = {
      {"Content-Type", &in->content_type, nullptr},
      {"Cookie", &in->cookies, nullptr},
      {"Sec-GPC", &in->sec_gpc, nullptr},
      {"DNT", &in->dnt, nullptr},
      {"Origin", &in->origin, nullptr},
      {"Sec-Fetch-Site", &in->sec_fetch_site, nullptr},
      {"Host", &in->host, nullptr},
      {"X-KPI-CSRF-Token", &in->csrf_header, nullptr},
      {forwarder_header, &in->forwarder_token, &in->has_forwarder_token},
      {"Transfer-Encoding", &headers->transfer_encoding, nullptr},
      {"Content-Length", &content_length, &headers->has_content_length}};
  bool taken[std::size(wanted)] = {};
  for (const auto& [name, value] : req.headers) {
    for (size_t i = 0; i < std::size(wanted); ++i) {
      if (taken[i] || !NameIs(name, wanted[i].name)) continue;
      taken[i] = true;
      *wanted[i].value = value;
      if (wanted[i].present != nullptr) *wanted[i].present = true;
    }
  }
}

const char* ErrorName(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 411: return "length_required";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 416: return "range_not_satisfiable";
    case 431: return "request_header_fields_too_large";
    case 503: return "unavailable";
    case 507: return "insufficient_storage";
    default: return status < 500 ? "client_error" : "internal";
  }
}

std::string DefaultReason(int status) {
  switch (status) {
    case 400: return "malformed HTTP request";
    case 404: return "no such resource";
    case 405: return "method not allowed here";
    case 408: return "the client sent too slowly";
    default: return "HTTP status " + std::to_string(status);
  }
}

void SetJson(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.body = std::move(body);
  res.set_header(kContentType.c_str(), kJson);
}

// Seeds for per-request sampling: one generator per worker thread.
uint64_t NextSampleSeed() {
  thread_local uint64_t state = (static_cast<uint64_t>(std::random_device{}()) << 32) ^
                                std::random_device{}();
  return SplitMix64(&state);
}

}  // namespace

int64_t FreeDiskBytes(const std::string& path) {
  DiskSpace space;
  if (!FileSystem::Default()->GetDiskSpace(path, &space).ok()) return -1;
  return static_cast<int64_t>(space.free_bytes);
}

HttpServer::HttpServer(const ServerOptions& options, IngestService* ingest, Metrics* metrics,
                       const CommitterStats* stats, const ReadApi* read_api,
                       const CsrfTokens* csrf_tokens, const PrivacyPage* privacy_page)
    : options_(options), ingest_(ingest), metrics_(metrics), stats_(stats),
      read_api_(read_api), csrf_tokens_(csrf_tokens), privacy_page_(privacy_page) {}

HttpServer::~HttpServer() { Stop(); }

void ConfigureTransport(const ServerOptions& options, httplib::Server* server,
                        int* listen_socket) {
  // A connection holds its worker; a refused one only briefly (GuardedServer).
  const size_t max_threads = options.max_connections + kRefusalWorkers;
  const size_t min_threads = std::min<size_t>(options.threads, max_threads);
  server->new_task_queue = [min_threads, max_threads] {
    return new WorkerPool(min_threads, max_threads);
  };
  server->set_tcp_nodelay(true);
  // httplib's default adds SO_REUSEPORT, which lets a second kpid share the
  // port silently; SO_REUSEADDR alone only allows a quick restart.
  server->set_socket_options([listen_socket](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    *listen_socket = sock;
  });
  server->set_keep_alive_max_count(options.keep_alive_max);
  server->set_keep_alive_timeout(std::max<int64_t>(1, options.read_timeout_ms / 1000));
  server->set_read_timeout(options.read_timeout_ms / 1000,
                           (options.read_timeout_ms % 1000) * 1000);
  server->set_write_timeout(options.write_timeout_ms / 1000,
                            (options.write_timeout_ms % 1000) * 1000);
}

void RaiseListenBacklog(int listen_socket) {
  // Linux lets listen() be called again on a listening socket to raise
  // its backlog (see kListenBacklog).
  if (listen_socket >= 0) ::listen(listen_socket, kListenBacklog);
}

void HttpServer::ConfigureCommon(httplib::Server* server) {
  ConfigureTransport(options_, server, &last_socket_);
  server->set_payload_max_length(options_.max_body);
  const uint64_t max_body = options_.max_body;
  const httplib::Server::HandlerWithResponse error_handler =
      [max_body](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const std::string reason =
        res.status == 413 ? "body over " + std::to_string(max_body) + " bytes (--max-body)"
                          : DefaultReason(res.status);
    SetJson(res, res.status, ErrorJson(ErrorName(res.status), reason));
    return httplib::Server::HandlerResponse::Handled;
  };
  server->set_error_handler(error_handler);
  server->set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        LogError("internal error answering " + req.method + " " + req.path);
        SetJson(res, 500, ErrorJson("internal", "unexpected server error"));
      });
  Metrics* metrics = metrics_;
  server->set_logger([metrics](const httplib::Request& req, const httplib::Response& res) {
    metrics->CountResponse(res.status);
    if (LogEnabled(LogLevel::kDebug)) {
      Log(LogLevel::kDebug, req.method + " " + req.path + " " + std::to_string(res.status));
    }
  });
}

void HttpServer::AddIngestRoutes(httplib::Server* server) {
  server->Post(kIngestPath, [this](const httplib::Request& req, httplib::Response& res,
                                   const httplib::ContentReader& reader) {
    thread_local std::string body;
    body.clear();
    IngestInput in;
    IngestHeaders headers;
    TakeIngestHeaders(req, options_.forwarder_header, &in, &headers);
    const bool chunked = headers.transfer_encoding.find("chunked") != std::string_view::npos;
    in.has_body = chunked || headers.has_content_length;
    if (in.has_body) {
      bool too_large = false;
      const bool read = reader([&](const char* data, size_t n) {
        if (body.size() + n > options_.max_body) {
          too_large = true;
          return false;
        }
        body.append(data, n);
        return true;
      });
      if (too_large || res.status == 413) {
        return SetJson(res, 413, ErrorJson("payload_too_large",
                                           "body over " + std::to_string(options_.max_body) +
                                               " bytes (--max-body)"));
      }
      if (!read) return SetJson(res, 400, ErrorJson("bad_request", kUnreadBody));
    }
    // Room for the JSON parser's padding: it then reads the body in place.
    if (body.capacity() - body.size() < simdjson::SIMDJSON_PADDING) {
      body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    }
    in.body = body;
    in.body_padded = true;
    in.sample_seed = NextSampleSeed();
    in.now_ms = NowMs();
    IngestAnswer answer;
    ingest_->Handle(in, &answer);
    if (answer.retry_after_s > 0) {
      res.set_header("Retry-After", std::to_string(answer.retry_after_s));
    }
    SetJson(res, answer.status, std::move(answer.body));
  });
  if (csrf_tokens_ == nullptr) return;
  AddSessionContextRoute(options_, csrf_tokens_, server);
  if (privacy_page_ != nullptr) {
    AddPrivacyPageRoutes(options_, csrf_tokens_, privacy_page_, server);
  }
}

void HttpServer::AddHealthRoute(httplib::Server* server) {
  server->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const int64_t free_bytes = FreeDiskBytes(options_.data_dir);
    if (stopping_.load()) {
      return SetJson(res, 503, R"({"status":"stopping","reason":"kpid is shutting down"})");
    }
    if (ingest_->commit_failing()) {
      return SetJson(res, 503,
                     R"({"status":"failing","reason":"the last write to the store failed"})");
    }
    if (free_bytes >= 0 && static_cast<uint64_t>(free_bytes) < options_.min_free_bytes) {
      return SetJson(res, 507, "{\"status\":\"disk_full\",\"reason\":\"" +
                                   std::to_string(free_bytes) +
                                   " bytes free, under --min-free-bytes\"}");
    }
    if (ingest_->disk_full()) {
      return SetJson(res, 507,
                     R"({"status":"disk_full","reason":"the last write found the disk full"})");
    }
    SetJson(res, 200, R"({"status":"ok"})");
  });
}

void HttpServer::AddReadRoutes(httplib::Server* server) {
  server->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    ScrapeGauges gauges;
    gauges.committer = stats_;
    gauges.free_disk_bytes = FreeDiskBytes(options_.data_dir);
    // Counts of what was stored and refused are about the store's data:
    // no proxy or browser cache keeps them, as no read answer is kept.
    res.set_header("Cache-Control", "no-store");
    res.set_content(metrics_->RenderPrometheus(gauges), "text/plain; version=0.0.4");
  });
  if (read_api_ != nullptr) read_api_->AddRoutes(server);
}

Status HttpServer::BindOne(const std::string& address, const char* option,
                           httplib::Server* server, int* port) {
  std::string host;
  KPI_RETURN_IF_ERROR(ParseHostPort(address, option, &host, port));
  last_socket_ = -1;
  bool bound = false;
  if (*port == 0) {
    *port = server->bind_to_any_port(host);
    bound = *port > 0;
  } else {
    bound = server->bind_to_port(host, *port);
  }
  if (bound) {
    RaiseListenBacklog(last_socket_);
    return Status::OK();
  }
  return Status::IOError(std::string(option) + ": cannot listen on " + address +
                         " (address in use, not local, or no permission)");
}

std::unique_ptr<httplib::Server> HttpServer::NewServer() const {
  ConnectionLimits limits;
  limits.max_connections = options_.max_connections;
  limits.head.max_headers = options_.max_headers;
  limits.head.max_bytes = options_.max_header_bytes;
  limits.head.timeout_ms = options_.header_timeout_ms;
  limits.body_timeout_ms = options_.body_timeout_ms;
  Metrics* metrics = metrics_;
  return std::make_unique<GuardedServer>(limits,
                                         [metrics](int status) { metrics->CountResponse(status); });
}

Status HttpServer::Bind() {
  public_ = NewServer();
  ConfigureCommon(public_.get());
  AddIngestRoutes(public_.get());
  AddHealthRoute(public_.get());
  httplib::Server* reads = public_.get();
  if (!options_.read_listen.empty()) {
    read_ = NewServer();
    ConfigureCommon(read_.get());
    AddHealthRoute(read_.get());
    reads = read_.get();
  }
  AddReadRoutes(reads);
  KPI_RETURN_IF_ERROR(BindOne(options_.listen, "--listen", public_.get(), &port_));
  if (read_ != nullptr) {
    KPI_RETURN_IF_ERROR(BindOne(options_.read_listen, "--read-listen", read_.get(), &read_port_));
  }
  return Status::OK();
}

void HttpServer::Start() {
  for (httplib::Server* server : {public_.get(), read_.get()}) {
    if (server == nullptr) continue;
    threads_.emplace_back([server] { server->listen_after_bind(); });
    // stop() before the accept loop runs would be lost: wait until it runs.
    for (int i = 0; i < 10000 && !server->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

void HttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  for (httplib::Server* server : {public_.get(), read_.get()}) {
    if (server != nullptr) server->stop();
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

}  // namespace kpi

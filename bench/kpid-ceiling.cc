// kpid-ceiling: how fast kpid's HTTP front end answers the ingest POST when
// kpid's own work is taken away, so bench/ingest.sh can tell the cost of the
// HTTP library from the cost of kpid.
//
//   kpid-ceiling --mode empty       cpp-httplib with kpid's transport
//                                   settings (ConfigureTransport: threads,
//                                   TCP_NODELAY, keep-alive, backlog),
//                                   answering 200 after reading the body
//   kpid-ceiling --mode no-storage  kpid's HttpServer and IngestService
//                                   (parse, validate, minimise, answer) with
//                                   a sink that drops records instead of
//                                   writing them
//
// Takes kpid's options (--listen, --threads, ...). Prints "port <n>" once it
// listens and serves until SIGTERM or SIGINT.
#include <httplib.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "kpid/http_server.h"
#include "libkpi/util/secret.h"
#include "libkpi/ingest/ingest_service.h"
#include "kpid/metrics.h"
#include "libkpi/ingest/schema.h"
#include "kpid/server_options.h"
#include "libkpi/util/time_util.h"

namespace {

// Accepts every record and hands out ids as the committer would.
class DroppingSink : public kpi::RecordSink {
 public:
  kpi::Status Commit(std::vector<kpi::PendingRecord>* records,
                     std::vector<kpi::RecordId>* ids) override {
    ids->clear();
    for (size_t i = 0; i < records->size(); ++i) {
      ids->push_back(kpi::RecordId{"ceiling", next_seq_.fetch_add(1)});
    }
    return kpi::Status::OK();
  }

 private:
  std::atomic<uint64_t> next_seq_{1};
};

void WaitForStopSignal(const sigset_t& stop_signals) {
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
}

int ServeEmpty(const kpi::ServerOptions& options, const sigset_t& stop_signals) {
  httplib::Server server;
  int listen_socket = -1;
  kpi::ConfigureTransport(options, &server, &listen_socket);
  server.Post("/wsapi/interaction_data", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"stored":1,"rejected":[]})", "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "kpid-ceiling: cannot bind 127.0.0.1\n");
    return 1;
  }
  kpi::RaiseListenBacklog(listen_socket);
  std::thread listener([&server] { server.listen_after_bind(); });
  std::printf("port %d\n", port);
  std::fflush(stdout);
  WaitForStopSignal(stop_signals);
  server.stop();
  listener.join();
  return 0;
}

int ServeWithoutStorage(const kpi::ServerOptions& options, const sigset_t& stop_signals) {
  const kpi::Schema schema = kpi::Schema::Default();
  DroppingSink sink;
  kpi::Metrics metrics;
  // The benchmark posts as a forwarding webhead (bench/lib.sh), as it does to kpid.
  std::string forwarder_token;
  if (!options.forwarder_token_file.empty()) {
    const kpi::Status loaded = kpi::LoadSecretFile(options.forwarder_token_file,
                                                   "--forwarder-token-file", &forwarder_token);
    if (!loaded.ok()) {
      std::fprintf(stderr, "kpid-ceiling: %s\n", loaded.ToString().c_str());
      return 1;
    }
  }
  kpi::IngestService ingest(kpi::MakeIngestConfig(options, forwarder_token), &schema, &sink,
                            &metrics);
  kpi::HttpServer server(options, &ingest, &metrics, nullptr, nullptr);
  const kpi::Status s = server.Bind();
  if (!s.ok()) {
    std::fprintf(stderr, "kpid-ceiling: %s\n", s.ToString().c_str());
    return 1;
  }
  server.Start();
  std::printf("port %d\n", server.port());
  std::fflush(stdout);
  WaitForStopSignal(stop_signals);
  server.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kpid-ceiling - kpid's HTTP front end without kpid's work, for bench/ingest.sh"};
  kpi::ServerOptions options;
  kpi::AddServerOptions(&app, &options);
  std::string mode = "empty";
  app.add_option("--mode", mode, "empty: httplib alone; no-storage: kpid minus the store")
      ->check(CLI::IsMember({"empty", "no-storage"}));
  CLI11_PARSE(app, argc, argv);

  // Blocked before any thread starts, so only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return mode == "empty" ? ServeEmpty(options, stop_signals)
                         : ServeWithoutStorage(options, stop_signals);
}

#include "kpid/daemon.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <memory>

#include "libkpi/write/committer.h"
#include "libkpi/space/compactor.h"
#include "kpid/csrf_tokens.h"
#include "kpid/http_server.h"
#include "libkpi/ingest/ingest_service.h"
#include "libkpi/util/log.h"
#include "kpid/metrics.h"
#include "kpid/privacy_page.h"
#include "kpid/protection_warnings.h"
#include "kpid/read_api.h"
#include "kpid/read_tokens.h"
#include "libkpi/space/retention.h"
#include "libkpi/ingest/schema.h"
#include "libkpi/util/secret.h"

namespace kpi {
namespace {

// The default schema file may be absent (a build run from its tree): then
// the built-in copy serves. A file named with --schema must load.
Status LoadSchema(const ServerOptions& options, Schema* schema) {
  struct stat st;
  if (!options.schema_explicit && ::stat(options.schema_file.c_str(), &st) != 0) {
    LogInfo("schema: " + options.schema_file + " not found; using the built-in default schema");
    *schema = Schema::Default();
    return Status::OK();
  }
  KPI_RETURN_IF_ERROR(Schema::LoadFile(options.schema_file, schema));
  LogInfo("schema: " + options.schema_file + " (" + std::to_string(schema->field_count()) +
          " fields)");
  return Status::OK();
}

Status LoadOptionalSecret(const std::string& path, const char* option, std::string* secret) {
  if (path.empty()) return Status::OK();
  return LoadSecretFile(path, option, secret);
}

std::string ListenLine(const std::string& address, int port, const char* what) {
  const std::string host = address.substr(0, address.rfind(':'));
  return "listening on " + host + ":" + std::to_string(port) + " for " + what;
}

// How long data lives is part of the privacy promise: say it at every start.
void LogRetention(const ServerOptions& options) {
  if (options.retention_ms > 0) {
    LogInfo("retention: hours that ended more than " + FormatDuration(options.retention_ms) +
            " ago are deleted (--retention); records are accepted at most " +
            FormatDuration(options.max_future_ms) + " ahead (--max-future)");
  } else {
    LogWarn("retention: --retention 0 keeps every record forever; the privacy review asks "
            "for a finite retention (README, Privacy)");
  }
}

int Fail(int code, const char* what, const Status& s) {
  LogError(std::string(what) + ": " + s.ToString());
  return code;
}

// What kpid reads before it touches the store; each failure is a config error.
struct DaemonInputs {
  Schema schema = Schema::Default();
  std::string forwarder_token;
  ReadTokens read_tokens;
};

int LoadInputs(const ServerOptions& options, DaemonInputs* inputs) {
  Status s = options.Validate();
  if (!s.ok()) return Fail(kDaemonExitConfig, "bad option", s);
  for (const std::string& weakened : WeakenedProtections(options)) {
    LogWarn("protection weakened: " + weakened);
  }
  s = LoadSchema(options, &inputs->schema);
  if (!s.ok()) return Fail(kDaemonExitConfig, "cannot load the schema", s);
  s = LoadOptionalSecret(options.forwarder_token_file, "--forwarder-token-file",
                         &inputs->forwarder_token);
  if (s.ok() && !options.read_token_file.empty()) {
    s = ReadTokens::Load(options.read_token_file, &inputs->read_tokens);
  }
  if (!s.ok()) return Fail(kDaemonExitConfig, "cannot use a token file", s);
  return kDaemonExitOk;
}

// Every thread started after this inherits the blocked stop signals, so only
// sigwait in RunDaemon sees them.
sigset_t BlockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return stop_signals;
}

// Space: finish a kpictl compact that crashed, before kpid's own retention.
void FinishInterruptedCompactions(const std::string& data_dir) {
  RollForwardResult rolled;
  const Status s = RollForwardCompactions(data_dir, &rolled);
  if (!s.ok()) LogWarn("compaction roll-forward: " + s.ToString());
  if (rolled.inputs_removed + rolled.temps_removed > 0) {
    LogInfo("finished interrupted compactions: removed " + std::to_string(rolled.inputs_removed) +
            " superseded inputs, " + std::to_string(rolled.temps_removed) + " temporary files");
  }
}

std::unique_ptr<ReadApi> MakeReadApi(const ServerOptions& options, ReadTokens tokens) {
  if (tokens.size() == 0) return nullptr;
  LogInfo("read API: " + std::to_string(tokens.size()) + " named read tokens from " +
          options.read_token_file);
  return std::make_unique<ReadApi>(options.data_dir, std::move(tokens));
}

void LogStarted(const ServerOptions& options, const std::string& writer_id,
                const HttpServer& server) {
  LogInfo("kpid " KPI_VERSION " writer " + writer_id + " data dir " + options.data_dir +
          ", sync " + SyncModeName(options.sync));
  LogRetention(options);
  LogInfo(ListenLine(options.listen, server.port(),
                     options.read_listen.empty() ? "ingest and reads" : "ingest"));
  if (!options.read_listen.empty()) {
    LogInfo(ListenLine(options.read_listen, server.read_port(), "reads"));
  }
}

}  // namespace

int RunDaemon(const ServerOptions& options) {
  SetLogLevel(options.log_level);
  // The store is for kpid and its readers' group (kStoreFileMode 0640,
  // directories 0750), never for others, whatever umask kpid inherited.
  ::umask(::umask(0) | 027);
  DaemonInputs inputs;
  if (const int code = LoadInputs(options, &inputs); code != kDaemonExitOk) return code;
  const Schema& schema = inputs.schema;
  sigset_t stop_signals = BlockStopSignals();

  Committer committer(options.ToCommitterOptions());
  Status s = committer.Open();
  if (!s.ok()) return Fail(kDaemonExitStore, "cannot open the store", s);
  FinishInterruptedCompactions(options.data_dir);
  std::string csrf_secret;
  s = CsrfTokens::OpenOrCreateSecret(CsrfSecretPath(options), &csrf_secret);
  if (!s.ok()) {
    committer.Close();
    return Fail(kDaemonExitConfig, "cannot use the CSRF secret", s);
  }
  const CsrfTokens csrf_tokens(std::move(csrf_secret), options.csrf_ttl_ms);
  RetentionService retention(RetentionOptionsFrom(options));
  Metrics metrics(schema);
  metrics.SetRetentionStats(&retention.stats());
  CommitterSink sink(&committer);
  IngestConfig ingest_config = MakeIngestConfig(options, inputs.forwarder_token);
  ingest_config.csrf.verifier = &csrf_tokens;
  IngestService ingest(std::move(ingest_config), &schema, &sink, &metrics);
  std::unique_ptr<ReadApi> read_api = MakeReadApi(options, std::move(inputs.read_tokens));
  const PrivacyPage privacy_page(options, schema);
  HttpServer server(options, &ingest, &metrics, &committer.stats(), read_api.get(),
                    &csrf_tokens, &privacy_page);
  s = server.Bind();
  if (!s.ok()) {
    committer.Close();
    return Fail(kDaemonExitListen, "cannot listen", s);
  }
  server.Start();
  retention.Start();
  LogStarted(options, committer.writer_id(), server);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  LogInfo(std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
          "; answering in-flight requests and closing the store");
  server.Stop();
  retention.Stop();
  committer.Close();
  LogInfo("stopped cleanly");
  return kDaemonExitOk;
}

}  // namespace kpi

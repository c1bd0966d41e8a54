// ServerOptions: every kpid setting, its default, and how it is read from the
// command line or a config file (`--config FILE`, `key = value` lines whose
// keys are the long option names without the dashes).
//
// Contract: AddServerOptions registers each option on a CLI11 App with help
// text and default, so `kpid --help` documents them all and kpid/main.cpp
// stays short. Sizes take 64K/64M/1G, durations 250ms/5s/10m/7d (units.h);
// a value that does not parse fails CLI parsing naming the option. Validate
// checks what a single option's parser cannot (ranges, HOST:PORT).
//
// Thread-safety: a plain value; fill it once at start-up, then only read it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/format/segment_format.h"
#include "libkpi/ingest/ingest_service.h"
#include "libkpi/space/retention.h"
#include "libkpi/write/committer.h"
#include "libkpi/util/log.h"
#include "libkpi/util/status.h"

namespace CLI {
class App;
}

namespace kpi {


// The default of --retention, and the largest --max-future kpid accepts: a
// record dated further ahead would outlive --retention by as much.
inline constexpr int64_t kDefaultRetentionMs = 400 * 24 * 3600 * 1000LL;
inline constexpr int64_t kMaxFutureCapMs = 24 * 3600 * 1000LL;

struct ServerOptions {
  // Store.
  std::string data_dir;
  std::string writer_id;  // empty: derived from the host name by the committer
  std::string schema_file = KPI_DEFAULT_SCHEMA;
  bool schema_explicit = false;  // --schema was given (then a missing file is an error)

  // Listeners and HTTP.
  std::string listen = "127.0.0.1:8080";
  std::string read_listen;  // empty: the read API and /metrics share `listen`
  int threads = 64;  // started at once; more as connections need them
  size_t max_connections = 512;  // per listener; past it 503
  size_t keep_alive_max = 1000;
  size_t max_headers = 100;             // header lines per request; past it 431
  uint64_t max_header_bytes = 32 << 10;  // request line and headers; past it 431
  int64_t header_timeout_ms = 10000;    // request line and headers in full; past it 408
  int64_t body_timeout_ms = 30000;      // the body in full, after the headers; past it 400
  int64_t read_timeout_ms = 5000;
  int64_t write_timeout_ms = 5000;

  // Ingest limits.
  uint64_t max_body = 64 << 10;
  size_t max_batch = 100;
  int64_t max_future_ms = 10 * 60 * 1000;  // at most kMaxFutureCapMs
  int64_t max_age_ms = 7 * 24 * 3600 * 1000LL;  // 0 = no limit

  // Privacy.
  double sample_rate = 1.0;
  std::string opt_out_cookie = "kpi_optout";  // empty: no opt-out cookie
  bool honor_gpc = true;
  bool honor_dnt = false;

  // Request authenticity.
  bool csrf = true;  // --csrf off: any site may post (warned at start)
  std::string csrf_cookie = "kpi_csrf";
  std::string csrf_secret_file;  // empty: <data-dir>/csrf.key, created at first start
  int64_t csrf_ttl_ms = 12 * 3600 * 1000LL;
  std::vector<std::string> allowed_origins;  // besides same-origin
  std::string forwarder_token_file;  // set: every POST must carry the token
  std::string forwarder_header = "X-KPI-Forwarder-Token";
  std::string read_token_file;  // empty: the read API is off (404)

  // Durability (CommitterOptions).
  SyncMode sync = SyncMode::kBatch;
  int64_t commit_window_ms = CommitterOptions().commit_window_us / 1000;
  size_t queue_max = CommitterOptions().max_queue_records;
  int64_t seal_grace_ms = 5 * 60 * 1000;
  uint64_t wal_max_bytes = 64ull << 20;
  int zstd_level = 3;
  uint64_t block_size = segment::kDefaultBlockBytes;
  uint64_t min_free_bytes = 256ull << 20;

  // Retention (applied by the retention task; 0 = keep everything, which
  // kpid warns about). 400 days: a year-over-year comparison of a month
  // needs the same month a year ago, 13 months, plus a few weeks of slack.
  int64_t retention_ms = kDefaultRetentionMs;
  bool retention_given = false;  // --retention was set (enables the free-space goal)
  uint64_t max_disk_bytes = 0;

  LogLevel log_level = LogLevel::kInfo;

  // Ranges and addresses; InvalidArgument names the option.
  Status Validate() const;
  CommitterOptions ToCommitterOptions() const;
};

// The CSRF secret's file: --csrf-secret-file, else <data-dir>/csrf.key.
std::string CsrfSecretPath(const ServerOptions& options);

// Registers every option of `options` on `app`, plus `--config FILE`.
void AddServerOptions(CLI::App* app, ServerOptions* options);

// "127.0.0.1:8080", "[::1]:8080", ":8080" (all interfaces). InvalidArgument
// names `what` when the text is not HOST:PORT with a port in 1..65535.
Status ParseHostPort(const std::string& text, std::string_view what, std::string* host,
                     int* port);

// The ingest settings of `options`; the forwarder token is read by the
// caller (secret.h).
IngestConfig MakeIngestConfig(const ServerOptions& options, std::string forwarder_token);
// "5m" for 300000, "400d": the largest unit that divides the value.
std::string FormatDuration(int64_t ms);

// The retention settings of `options`.
RetentionOptions RetentionOptionsFrom(const ServerOptions& options);

}  // namespace kpi

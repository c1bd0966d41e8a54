#include "kpid/server_options.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "libkpi/util/units.h"

namespace kpi {

std::string FormatDuration(int64_t ms) {
  struct Unit {
    int64_t ms;
    const char* suffix;
  };
  static constexpr Unit kUnits[] = {
      {7 * 24 * 3600 * 1000LL, "w"}, {24 * 3600 * 1000LL, "d"}, {3600 * 1000, "h"},
      {60 * 1000, "m"},              {1000, "s"}};
  if (ms == 0) return "0";
  for (const Unit& u : kUnits) {
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.suffix;
  }
  return std::to_string(ms) + "ms";
}

namespace {

// CLI11 reports a ValidationError with the option's name and our message.
void ThrowIfError(const Status& s, const std::string& option) {
  if (!s.ok()) throw CLI::ValidationError(option, s.message());
}

CLI::Option* AddSize(CLI::App* app, const std::string& name, uint64_t* out,
                     const std::string& help) {
  return app
      ->add_option_function<std::string>(
          name, [out, name](const std::string& v) { ThrowIfError(ParseSize(v, name, out), name); },
          help)
      ->type_name("SIZE")
      ->default_str(*out == 0 ? "0" : FormatSize(*out));
}

CLI::Option* AddDuration(CLI::App* app, const std::string& name, int64_t* out,
                         const std::string& help) {
  return app
      ->add_option_function<std::string>(
          name,
          [out, name](const std::string& v) { ThrowIfError(ParseDuration(v, name, out), name); },
          help)
      ->type_name("DURATION")
      ->default_str(FormatDuration(*out));
}

void AddStoreOptions(CLI::App* app, ServerOptions* o) {
  const char* g = "Store";
  app->add_option("--data-dir", o->data_dir, "Directory holding segments/, wal/ and writers/")
      ->required()
      ->group(g);
  app->add_option("--writer-id", o->writer_id,
                  "Writer id stamped into record ids, 1-16 of [a-z0-9] "
                  "(default: from the host name)")
      ->group(g);
  app->add_option_function<std::string>(
         "--schema",
         [o](const std::string& v) {
           o->schema_file = v;
           o->schema_explicit = true;
         },
         "Schema file; when the default file is missing the built-in schema is used")
      ->default_str(o->schema_file)
      ->type_name("FILE")
      ->group(g);
  app->add_option_function<std::string>(
         "--sync",
         [o](const std::string& v) {
           if (!ParseSyncMode(v, &o->sync)) {
             throw CLI::ValidationError("--sync", "'" + v + "' is not always, batch or none");
           }
         },
         "When to fdatasync the WAL (every mode answers after the write, so kill -9 "
         "loses nothing acknowledged): always (answer after a shared sync), batch "
         "(sync within --commit-window), none (only at shutdown)")
      ->default_str(SyncModeName(o->sync))
      ->group(g);
  AddDuration(app, "--commit-window", &o->commit_window_ms,
              "Batch sync: the longest a written record waits for its fdatasync")->group(g);
  app->add_option("--queue-max", o->queue_max,
                  "Records waiting for the committer before POSTs get 503")
      ->capture_default_str()->group(g);
  AddDuration(app, "--seal-grace", &o->seal_grace_ms,
              "Seal an hour's WAL into a segment this long after the hour ends")->group(g);
  AddSize(app, "--wal-max-bytes", &o->wal_max_bytes, "Seal a WAL early past this size")
      ->group(g);
  app->add_option("--zstd-level", o->zstd_level, "zstd level for sealed segments")
      ->capture_default_str()->check(CLI::Range(1, 22))->group(g);
  AddSize(app, "--block-size", &o->block_size, "Uncompressed bytes per segment block")
      ->group(g);
  AddSize(app, "--min-free-bytes", &o->min_free_bytes,
          "Below this much free disk POSTs get 507 and /healthz reports it")->group(g);
  app->add_option_function<std::string>(
         "--retention",
         [o](const std::string& v) {
           ThrowIfError(ParseDuration(v, "--retention", &o->retention_ms), "--retention");
           o->retention_given = true;
         },
         "Delete segments whose hour ended longer ago than this (0 = keep forever; kpid "
         "warns)")
      ->type_name("DURATION")->default_str(FormatDuration(o->retention_ms))->group(g);
  AddSize(app, "--max-disk-bytes", &o->max_disk_bytes,
          "Delete the oldest segments past this total (0 = no cap)")->group(g);
}

void AddHttpOptions(CLI::App* app, ServerOptions* o) {
  const char* g = "HTTP";
  app->add_option("--listen", o->listen,
                  "HOST:PORT for POST /wsapi/interaction_data and /healthz (port 0: any free "
                  "port, logged at start)")
      ->capture_default_str()->group(g);
  app->add_option("--read-listen", o->read_listen,
                  "HOST:PORT for the read API and /metrics; when set, --listen serves only "
                  "the POST and /healthz")
      ->group(g);
  app->add_option("--threads", o->threads,
                  "HTTP worker threads started per listener; each open connection holds one, "
                  "and more start as connections need them, up to --max-connections")
      ->capture_default_str()->check(CLI::Range(1, 4096))->group(g);
  app->add_option("--max-connections", o->max_connections,
                  "Open connections per listener; more get 503 (each holds a thread)")
      ->capture_default_str()->check(CLI::Range(size_t{1}, size_t{16384}))->group(g);
  app->add_option("--max-headers", o->max_headers,
                  "Header lines per request; more get 431")
      ->capture_default_str()->check(CLI::Range(size_t{1}, size_t{10000}))->group(g);
  AddSize(app, "--max-header-bytes", &o->max_header_bytes,
          "Bytes of request line and headers; more get 431")->group(g);
  AddDuration(app, "--header-timeout", &o->header_timeout_ms,
              "A request's line and headers must arrive in full within this, else 408 (a "
              "client sending a byte every few seconds never trips --read-timeout)")->group(g);
  AddDuration(app, "--body-timeout", &o->body_timeout_ms,
              "A request's body must arrive in full within this after its headers, else "
              "400 and the connection is closed (a client trickling its body never trips "
              "--read-timeout)")->group(g);
  app->add_option("--keep-alive-max", o->keep_alive_max,
                  "Requests per keep-alive connection before it is closed")
      ->capture_default_str()->group(g);
  AddDuration(app, "--read-timeout", &o->read_timeout_ms,
              "Drop a client that sends nothing for this long")->group(g);
  AddDuration(app, "--write-timeout", &o->write_timeout_ms,
              "Drop a client that reads nothing for this long")->group(g);
  AddSize(app, "--max-body", &o->max_body, "Larger POST bodies get 413 unread")->group(g);
  app->add_option("--max-batch", o->max_batch, "Blobs per POST; more get 400")
      ->capture_default_str()->check(CLI::Range(size_t{1}, size_t{100000}))->group(g);
  AddDuration(app, "--max-future", &o->max_future_ms,
              "Reject blobs whose timestamp is this far ahead of the server clock (at most "
              "1d, so that no record outlives --retention by more)")->group(g);
  AddDuration(app, "--max-age", &o->max_age_ms,
              "Reject blobs older than this (0 = no limit)")->group(g);
}

void AddPrivacyOptions(CLI::App* app, ServerOptions* o) {
  const char* g = "Privacy and authenticity";
  app->add_option("--sample-rate", o->sample_rate,
                  "Keep this fraction of blobs (0..1); the stored sample_rate is multiplied")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0))->group(g);
  app->add_option("--opt-out-cookie", o->opt_out_cookie,
                  "A request carrying this cookie stores nothing (empty: disabled)")
      ->capture_default_str()->group(g);
  app->add_flag("--honor-gpc,!--no-honor-gpc", o->honor_gpc,
                "Treat Sec-GPC: 1 as an opt-out (default on: Global Privacy Control is a "
                "legal opt-out signal in several jurisdictions)")->group(g);
  app->add_flag("--honor-dnt,!--no-honor-dnt", o->honor_dnt,
                "Treat DNT: 1 as an opt-out (default off: DNT is deprecated and often set "
                "by default)")->group(g);
  app->add_option_function<std::string>(
         "--csrf",
         [o](const std::string& v) {
           if (v == "off") o->csrf = false;
           else if (v == "on" || v == "double-submit") o->csrf = true;
           else throw CLI::ValidationError("--csrf", "'" + v + "' is not on or off");
         },
         "on: a POST needs a token from GET /wsapi/session_context in the --csrf-cookie "
         "cookie and the body's csrf, and a same-origin or --allowed-origin Origin, else "
         "403; off lets any web site post in its visitors' name (warned at start)")
      ->default_str("on")->group(g);
  app->add_option("--csrf-cookie", o->csrf_cookie, "Cookie holding the CSRF token")
      ->capture_default_str()->group(g);
  app->add_option("--csrf-secret-file", o->csrf_secret_file,
                  "HMAC key signing CSRF tokens; created (mode 0600) at first start. Give "
                  "every kpid behind one site the same file (default: DATA_DIR/csrf.key)")
      ->type_name("FILE")->group(g);
  AddDuration(app, "--csrf-ttl", &o->csrf_ttl_ms, "How long an issued CSRF token is valid")
      ->group(g);
  app->add_option("--allowed-origin", o->allowed_origins,
                  "An origin (https://host[:port]) besides kpid's own site whose pages may "
                  "POST; repeat for more")
      ->type_name("ORIGIN")->group(g);
  app->add_option("--forwarder-token-file", o->forwarder_token_file,
                  "When set, every POST must carry this file's token in --forwarder-header "
                  "(else 403); such POSTs skip the CSRF check")
      ->type_name("FILE")->group(g);
  app->add_option("--forwarder-header", o->forwarder_header, "Header carrying the token")
      ->capture_default_str()->group(g);
  app->add_option("--read-token-file", o->read_token_file,
                  "Named bearer tokens for the read API, one `NAME TOKEN` per line (mode 0600, "
                  "tokens of 32+ characters); without it the read API answers 404")
      ->type_name("FILE")->group(g);
}

}  // namespace

void AddServerOptions(CLI::App* app, ServerOptions* o) {
  app->set_config("--config", "", "Read options from FILE: `key = value` lines, keys as the "
                  "long options without dashes");
  AddStoreOptions(app, o);
  AddHttpOptions(app, o);
  AddPrivacyOptions(app, o);
  app->add_option_function<std::string>(
         "--log-level",
         [o](const std::string& v) {
           if (!ParseLogLevel(v, &o->log_level)) {
             throw CLI::ValidationError("--log-level", "'" + v + "' is not debug, info, warn "
                                        "or error");
           }
         },
         "debug, info, warn or error")
      ->default_str(LogLevelName(o->log_level));
}

Status ParseHostPort(const std::string& text, std::string_view what, std::string* host,
                     int* port) {
  const auto bad = [&](const char* why) {
    return Status::InvalidArgument(std::string(what) + ": '" + text + "' " + why +
                                   " (expected HOST:PORT, e.g. 127.0.0.1:8080)");
  };
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return bad("has no port");
  std::string h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  const std::string digits = text.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return bad("has no numeric port");
  }
  const int p = std::atoi(digits.c_str());
  if (p > 65535) return bad("has a port above 65535");
  *host = h.empty() ? "0.0.0.0" : h;
  *port = p;
  return Status::OK();
}

Status ServerOptions::Validate() const {
  std::string host;
  int port;
  KPI_RETURN_IF_ERROR(ParseHostPort(listen, "--listen", &host, &port));
  if (!read_listen.empty()) {
    KPI_RETURN_IF_ERROR(ParseHostPort(read_listen, "--read-listen", &host, &port));
  }
  if (!writer_id.empty() && !IsValidWriterId(writer_id)) {
    return Status::InvalidArgument("--writer-id: '" + writer_id +
                                   "' must be 1-16 characters of [a-z0-9]");
  }
  if (max_body < 16) return Status::InvalidArgument("--max-body: must be at least 16 bytes");
  if (queue_max == 0) return Status::InvalidArgument("--queue-max: must be at least 1");
  if (max_header_bytes < 1024 || max_header_bytes > (1 << 20)) {
    return Status::InvalidArgument("--max-header-bytes: " + std::to_string(max_header_bytes) +
                                   " is not within 1K..1M");
  }
  if (header_timeout_ms < 100) {
    return Status::InvalidArgument("--header-timeout: must be at least 100ms");
  }
  if (body_timeout_ms < 100) {
    return Status::InvalidArgument("--body-timeout: must be at least 100ms");
  }
  if (max_future_ms < 0 || max_future_ms > kMaxFutureCapMs) {
    return Status::InvalidArgument(
        "--max-future: " + FormatDuration(max_future_ms) +
        " is not within 0..1d (a record dated further ahead would be kept that much longer "
        "than --retention; fix the clients' clocks instead)");
  }
  if (retention_ms < 0) return Status::InvalidArgument("--retention: must not be negative");
  if (forwarder_header.empty()) {
    return Status::InvalidArgument("--forwarder-header: must name a header");
  }
  if (csrf && csrf_cookie.empty()) {
    return Status::InvalidArgument("--csrf-cookie: must name a cookie while --csrf is on");
  }
  if (csrf_ttl_ms < 60 * 1000) {
    return Status::InvalidArgument("--csrf-ttl: must be at least 1m");
  }
  for (const std::string& origin : allowed_origins) {
    if (origin.rfind("http://", 0) != 0 && origin.rfind("https://", 0) != 0) {
      return Status::InvalidArgument("--allowed-origin: '" + origin +
                                     "' is not an origin like https://example.com");
    }
  }
  return Status::OK();
}

std::string CsrfSecretPath(const ServerOptions& options) {
  return options.csrf_secret_file.empty() ? options.data_dir + "/csrf.key"
                                          : options.csrf_secret_file;
}

CommitterOptions ServerOptions::ToCommitterOptions() const {
  CommitterOptions c;
  c.data_dir = data_dir;
  c.writer_id = writer_id;
  c.sync = sync;
  c.commit_window_us = commit_window_ms * 1000;
  c.max_queue_records = queue_max;
  c.seal_grace_ms = seal_grace_ms;
  c.wal_max_bytes = wal_max_bytes;
  c.zstd_level = zstd_level;
  c.block_bytes = block_size;
  c.min_free_bytes = min_free_bytes;
  return c;
}

IngestConfig MakeIngestConfig(const ServerOptions& o, std::string forwarder_token) {
  IngestConfig c;
  c.limits.max_batch = o.max_batch;
  c.max_future_ms = o.max_future_ms;
  c.max_age_ms = o.max_age_ms;
  c.sample_rate = o.sample_rate;
  c.opt_out_cookie = o.opt_out_cookie;
  c.honor_gpc = o.honor_gpc;
  c.honor_dnt = o.honor_dnt;
  c.csrf.required = o.csrf;
  c.csrf.cookie = o.csrf_cookie;
  c.csrf.allowed_origins = o.allowed_origins;
  c.forwarder_token = std::move(forwarder_token);
  return c;
}

RetentionOptions RetentionOptionsFrom(const ServerOptions& options) {
  RetentionOptions r;
  r.data_dir = options.data_dir;
  r.max_age_ms = options.retention_ms;
  r.max_bytes = options.max_disk_bytes;
  // The default retention does not make a full disk delete old hours: only
  // an operator who chose a retention or a size cap has said they may go.
  const bool chosen_age = options.retention_given && r.max_age_ms > 0;
  if (chosen_age || r.max_bytes > 0) r.min_free_bytes = options.min_free_bytes;
  return r;
}

}  // namespace kpi

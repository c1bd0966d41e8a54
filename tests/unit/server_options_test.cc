// ServerOptions: defaults, units, config files and validation.
#include "kpid/server_options.h"

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <vector>

using namespace kpi;

namespace {

// Parses `args` (after the program name) into `options`; the CLI11 error
// text when parsing fails.
std::string Parse(std::vector<std::string> args, ServerOptions* options) {
  CLI::App app;
  AddServerOptions(&app, options);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last-first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("defaults match the documented ones") {
  ServerOptions o;
  REQUIRE(Parse({"--data-dir", "/tmp/x"}, &o).empty());
  CHECK(o.listen == "127.0.0.1:8080");
  CHECK(o.sync == SyncMode::kBatch);
  CHECK(o.max_body == 64 * 1024);
  CHECK(o.max_age_ms == 7 * 24 * 3600 * 1000LL);
  CHECK(o.retention_ms == 400 * 24 * 3600 * 1000LL);
  CHECK(o.max_future_ms == 10 * 60 * 1000);
  CHECK(o.honor_gpc);
  CHECK_FALSE(o.honor_dnt);
  CHECK_FALSE(o.schema_explicit);
  CHECK(o.csrf);  // issue 13: CSRF is required with no option given
  CHECK(o.csrf_cookie == "kpi_csrf");
  CHECK(CsrfSecretPath(o) == "/tmp/x/csrf.key");
  CHECK(o.Validate().ok());
}

TEST_CASE("sizes, durations and modes parse with units") {
  ServerOptions o;
  REQUIRE(Parse({"--data-dir", "d", "--max-body", "1M", "--max-age", "0", "--commit-window",
                 "5ms", "--seal-grace", "0s", "--sync", "always", "--csrf", "off",
                 "--no-honor-gpc", "--honor-dnt", "--schema", "s.json", "--sample-rate", "0.5"},
                &o)
              .empty());
  CHECK(o.max_body == 1 << 20);
  CHECK(o.max_age_ms == 0);
  CHECK(o.commit_window_ms == 5);
  CHECK(o.ToCommitterOptions().commit_window_us == 5000);
  CHECK(o.seal_grace_ms == 0);
  CHECK(o.sync == SyncMode::kAlways);
  CHECK_FALSE(o.csrf);
  CHECK_FALSE(o.honor_gpc);
  CHECK(o.honor_dnt);
  CHECK(o.schema_explicit);
  CHECK(o.sample_rate == 0.5);
}

TEST_CASE("bad values fail naming the option") {
  ServerOptions o;
  CHECK(Parse({"--data-dir", "d", "--max-body", "lots"}, &o).find("--max-body") !=
        std::string::npos);
  CHECK(Parse({"--data-dir", "d", "--sync", "sometimes"}, &o).find("--sync") !=
        std::string::npos);
  CHECK_FALSE(Parse({"--data-dir", "d", "--sample-rate", "2"}, &o).empty());
  CHECK_FALSE(Parse({}, &o).empty());  // --data-dir is required
  o.listen = "localhost";
  CHECK(o.Validate().ToString().find("--listen") != std::string::npos);
}

TEST_CASE("a config file sets options by their long names") {
  const std::string path = std::string(KPI_BINARY_DIR) + "/server_options_test.conf";
  {
    std::ofstream f(path);
    f << "data-dir = /srv/kpi\nlisten = 0.0.0.0:9000\nmax-batch = 20\nmin-free-bytes = 1G\n"
         "honor-dnt = true\n";
  }
  ServerOptions o;
  REQUIRE(Parse({"--config", path}, &o).empty());
  CHECK(o.data_dir == "/srv/kpi");
  CHECK(o.listen == "0.0.0.0:9000");
  CHECK(o.max_batch == 20);
  CHECK(o.min_free_bytes == 1ull << 30);
  CHECK(o.honor_dnt);
  std::remove(path.c_str());
}

TEST_CASE("HOST:PORT forms") {
  std::string host;
  int port;
  REQUIRE(ParseHostPort("[::1]:8080", "--listen", &host, &port).ok());
  CHECK(host == "::1");
  CHECK(port == 8080);
  REQUIRE(ParseHostPort(":0", "--listen", &host, &port).ok());
  CHECK(host == "0.0.0.0");
  CHECK(port == 0);
  CHECK_FALSE(ParseHostPort("h:99999", "--listen", &host, &port).ok());
  CHECK_FALSE(ParseHostPort("h:", "--listen", &host, &port).ok());
}

TEST_CASE("retention is finite by default, and a full disk deletes only when asked to") {
  ServerOptions o;
  REQUIRE(Parse({"--data-dir", "d"}, &o).empty());
  RetentionOptions r = RetentionOptionsFrom(o);
  CHECK(r.max_age_ms == 400 * 24 * 3600 * 1000LL);
  CHECK(r.enabled());
  CHECK(r.min_free_bytes == 0);  // the default does not turn a full disk into deletion

  ServerOptions chosen;
  REQUIRE(Parse({"--data-dir", "d", "--retention", "30d"}, &chosen).empty());
  CHECK(chosen.retention_given);
  CHECK(RetentionOptionsFrom(chosen).max_age_ms == 30 * 24 * 3600 * 1000LL);
  CHECK(RetentionOptionsFrom(chosen).min_free_bytes == chosen.min_free_bytes);

  ServerOptions forever;
  REQUIRE(Parse({"--data-dir", "d", "--retention", "0"}, &forever).empty());
  CHECK_FALSE(RetentionOptionsFrom(forever).enabled());
  CHECK(forever.Validate().ok());
}

TEST_CASE("--max-future is capped at a day") {
  ServerOptions o;
  REQUIRE(Parse({"--data-dir", "d", "--max-future", "1d"}, &o).empty());
  CHECK(o.Validate().ok());
  ServerOptions far;
  REQUIRE(Parse({"--data-dir", "d", "--max-future", "25h"}, &far).empty());
  const std::string why = far.Validate().ToString();
  CHECK(why.find("--max-future: 25h is not within 0..1d") != std::string::npos);
  ServerOptions year;
  REQUIRE(Parse({"--data-dir", "d", "--max-future", "3000w"}, &year).empty());
  CHECK_FALSE(year.Validate().ok());
}

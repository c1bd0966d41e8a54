// kpi-canon: Schema::Canonicalize alone, over the blobs of request bodies
// (one per line, {"data":[..]} as bench/ingest.sh posts them), for changes
// to the canonicaliser: its output must stay byte for byte the same (records
// are stored, and their ids depend on them), and its cost per blob.
//
//   kpi-canon dump bodies.jsonl        one line per blob: "OK <timestamp>
//                                      <dropped> <body>" or "ERR <field>: <reason>"
//   kpi-canon time bodies.jsonl [N]    CPU ns per blob over N rounds (default 10)
//
// Compare the dumps of two builds (cmp) over the bench's bodies and over
// bench/mutate-blobs.py's; server time is fixed (2026-12-04T08:00Z) and the
// bounds on timestamps wide, so the same input always gives the same dump.
#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "libkpi/ingest/ingest_request.h"
#include "libkpi/ingest/schema.h"

namespace {

struct Bodies {
  std::vector<simdjson::dom::parser> parsers;  // one per body: its blobs stay valid
  std::vector<kpi::IngestRequest> requests;
  size_t blobs = 0;
};

// Parses every line; a body that fails is reported (dump) and skipped.
void Load(const std::string& file, bool report, Bodies* bodies) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  bodies->parsers.resize(lines.size());
  bodies->requests.resize(lines.size());
  std::string scratch;
  for (size_t i = 0; i < lines.size(); ++i) {
    const kpi::Status s = kpi::ParseIngestBody("application/json", lines[i], kpi::IngestLimits(),
                                               &bodies->parsers[i], &scratch,
                                               &bodies->requests[i]);
    if (!s.ok() && report) std::printf("BODY %zu: %s\n", i, s.ToString().c_str());
    bodies->blobs += bodies->requests[i].blobs.size();
  }
}

kpi::CanonicalizeContext FixedContext() {
  kpi::CanonicalizeContext ctx;
  ctx.now_ms = 1796371200000;                      // 2026-12-04T08:00Z
  ctx.max_future_ms = 3650LL * 24 * 3600 * 1000;  // bench bodies from any day pass
  return ctx;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kpi-canon - the canonicaliser alone, its output or its cost"};
  std::string mode, file;
  int rounds = 10;
  app.add_option("mode", mode, "dump or time")->required()->check(CLI::IsMember({"dump", "time"}));
  app.add_option("bodies", file, "request bodies, one per line")->required();
  app.add_option("rounds", rounds, "time: rounds over all blobs");
  CLI11_PARSE(app, argc, argv);

  Bodies bodies;
  Load(file, mode == "dump", &bodies);
  const kpi::Schema schema = kpi::Schema::Default();
  const kpi::CanonicalizeContext ctx = FixedContext();
  kpi::CanonicalBlob out;
  kpi::FieldError error;
  if (mode == "dump") {
    for (const kpi::IngestRequest& request : bodies.requests) {
      for (simdjson::dom::element blob : request.blobs) {
        if (schema.Canonicalize(blob, ctx, &out, &error)) {
          std::printf("OK %lld %u %s\n", static_cast<long long>(out.timestamp_ms),
                      out.dropped_fields, out.body.c_str());
        } else {
          std::printf("ERR %s: %s\n", error.field.c_str(), error.reason.c_str());
        }
      }
    }
    return 0;
  }
  const auto start = std::chrono::steady_clock::now();
  size_t bytes = 0;
  for (int r = 0; r < rounds; ++r) {
    for (const kpi::IngestRequest& request : bodies.requests) {
      for (simdjson::dom::element blob : request.blobs) {
        schema.Canonicalize(blob, ctx, &out, &error);
        bytes += out.body.size();
      }
    }
  }
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() -
                                                             start).count();
  std::printf("%.1f ns/blob (%zu blobs x %d rounds, %zu bytes written)\n",
              ns / (static_cast<double>(bodies.blobs) * rounds), bodies.blobs, rounds, bytes);
  return 0;
}

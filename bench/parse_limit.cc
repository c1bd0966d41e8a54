// parse_limit: the parsing limit kpid's batched ingest is held to. Parses
// the same POST bodies kpid receives (one per line, {"csrf":..,"data":[..]})
// with simdjson's DOM parser in a loop, on one thread, and walks each
// body's data array, as the least any JSON ingest must do.
//
//   parse_limit --seconds 5 bodies.jsonl
//
// Prints "<records/s> <bodies/s> <MB/s>" (MB = 10^6 bytes of body).
#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  CLI::App app{"parse_limit - simdjson parsing speed on request bodies"};
  std::string file;
  double seconds = 5;
  app.add_option("bodies", file, "request bodies, one per line")->required();
  app.add_option("--seconds", seconds, "how long to loop");
  CLI11_PARSE(app, argc, argv);

  std::vector<simdjson::padded_string> bodies;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) bodies.emplace_back(line);
  }
  if (bodies.empty()) {
    std::fprintf(stderr, "parse_limit: no bodies in %s\n", file.c_str());
    return 1;
  }

  using Clock = std::chrono::steady_clock;
  simdjson::dom::parser parser;
  uint64_t records = 0, parsed = 0, bytes = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    for (const simdjson::padded_string& body : bodies) {
      simdjson::dom::element doc;
      if (parser.parse(body).get(doc) != simdjson::SUCCESS) {
        std::fprintf(stderr, "parse_limit: a body is not JSON\n");
        return 1;
      }
      simdjson::dom::array data;
      if (doc["data"].get(data) != simdjson::SUCCESS) {
        std::fprintf(stderr, "parse_limit: a body has no data array\n");
        return 1;
      }
      for (simdjson::dom::element blob : data) records += blob.is_object() ? 1 : 0;
      ++parsed;
      bytes += body.size();
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%.0f %.0f %.1f\n", records / elapsed, parsed / elapsed, bytes / elapsed / 1e6);
  return 0;
}

// kpi-gen: prints realistic sign-in dialog data, one item per line, for
// benchmarks and manual tests (kpi::RecordGenerator does the work).
//
//   kpi-gen --count 1000 --seed 7 --from 2026-11-29 --to 2026-11-30   blobs
//   kpi-gen --mode requests --batch 20 --count 100                    POST bodies
//   kpi-gen --mode records --writer a1 --first-seq 1                  stored lines
//
// The same seed and range print the same bytes. Without --from/--to the range
// is the 24 hours before now (floored to the hour), which a running kpid
// accepts.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "testing/record_generator.h"
#include "libkpi/util/time_util.h"

namespace {

// Unix ms ("1764439200000") or a UTC date/time ("2026-11-29", "2026-11-29T18",
// "2026-11-29T18:30", "2026-11-29T18:30:00Z").
bool ParseTime(const std::string& text, int64_t* ms) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    *ms = std::stoll(text);
    return true;
  }
  int year, month, day, hour = 0, minute = 0, second = 0, used = 0;
  const int fields = std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &used);
  if (fields != 3) return false;
  std::string rest = text.substr(static_cast<size_t>(used));
  if (!rest.empty() && rest.back() == 'Z') rest.pop_back();
  if (!rest.empty() && std::sscanf(rest.c_str(), "T%2d:%2d:%2d", &hour, &minute, &second) < 1) {
    return false;
  }
  *ms = kpi::FromCivil(year, month, day, hour, minute, second);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kpi-gen: print realistic, deterministic sign-in dialog blobs"};
  std::string mode = "blobs", from, to, writer = "gen";
  uint64_t seed = 1, count = 10, first_seq = 1;
  size_t batch = 20;
  app.add_option("--mode", mode, "blobs, requests (JSON POST bodies) or records (stored lines)")
      ->check(CLI::IsMember({"blobs", "requests", "records"}));
  app.add_option("--seed", seed, "random seed; same seed, same output");
  app.add_option("--count", count, "lines to print");
  app.add_option("--from", from, "first timestamp (Unix ms or YYYY-MM-DD[THH[:MM[:SS]]][Z])");
  app.add_option("--to", to, "end of the timestamp range, exclusive");
  app.add_option("--batch", batch, "blobs per request body (--mode requests)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--writer", writer, "writer id of the records (--mode records)");
  app.add_option("--first-seq", first_seq, "sequence number of the first record");
  CLI11_PARSE(app, argc, argv);

  int64_t end_ms = kpi::HourStart(kpi::NowMs());
  int64_t start_ms = end_ms - kpi::kMsPerDay;
  if ((!from.empty() && !ParseTime(from, &start_ms)) || (!to.empty() && !ParseTime(to, &end_ms))) {
    std::cerr << "kpi-gen: --from/--to take Unix ms or YYYY-MM-DD[THH[:MM[:SS]]][Z]\n";
    return 2;
  }
  if (start_ms < 0 || start_ms >= end_ms) {
    std::cerr << "kpi-gen: --from must be before --to\n";
    return 2;
  }
  if (mode == "records" && !kpi::IsValidWriterId(writer)) {
    std::cerr << "kpi-gen: --writer must be 1-16 characters of [a-z0-9]\n";
    return 2;
  }

  kpi::RecordGenerator generator(seed, start_ms, end_ms);
  std::string line;
  for (uint64_t i = 0; i < count; ++i) {
    if (mode == "blobs") {
      line = generator.NextBlob();
    } else if (mode == "requests") {
      line = generator.NextRequestBody(batch);
    } else {
      line = generator.NextRecord(writer, first_seq + i).json;
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

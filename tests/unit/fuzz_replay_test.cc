// Replays every seed and every past crash input of the fuzz targets
// (tests/fuzz/corpus/<target>/, tests/fuzz/regressions/<target>/) through the
// same target code, without libFuzzer: the plain and sanitizer builds then
// check each regression input too, and a target that stops compiling against
// the library shows up in the ordinary test run.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#define KPI_FUZZ_NO_ENTRY_POINT
#include "tests/fuzz/fuzz_csv_row.cc"
#include "tests/fuzz/fuzz_form_decoder.cc"
#include "tests/fuzz/fuzz_ingest_body.cc"
#include "tests/fuzz/fuzz_segment_reader.cc"
#include "tests/fuzz/fuzz_wal_reader.cc"

namespace {

using FuzzTarget = int (*)(const uint8_t*, size_t);

// Runs `target` on every file of corpus/<name> and regressions/<name>;
// returns how many inputs it ran. A broken invariant aborts the test binary,
// naming the input on stderr just before.
size_t Replay(const std::string& name, FuzzTarget target) {
  namespace fs = std::filesystem;
  size_t inputs = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(KPI_SOURCE_DIR) / "tests/fuzz" / kind / name;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      INFO("input " << entry.path().string());
      std::fprintf(stderr, "replaying %s\n", entry.path().c_str());
      target(reinterpret_cast<const uint8_t*>(data.data()), data.size());
      ++inputs;
    }
  }
  return inputs;
}

}  // namespace

TEST_CASE("fuzz seeds and regressions replay: ingest body") {
  CHECK(Replay("ingest_body", kpi::fuzz::FuzzIngestBody) >= 4);
}

TEST_CASE("fuzz seeds and regressions replay: form decoder") {
  CHECK(Replay("form_decoder", kpi::fuzz::FuzzFormDecoder) >= 3);
}

TEST_CASE("fuzz seeds and regressions replay: WAL reader") {
  CHECK(Replay("wal_reader", kpi::fuzz::FuzzWalReader) >= 4);
}

TEST_CASE("fuzz seeds and regressions replay: segment reader") {
  CHECK(Replay("segment_reader", kpi::fuzz::FuzzSegmentReader) >= 4);
}

TEST_CASE("fuzz seeds and regressions replay: CSV row") {
  CHECK(Replay("csv_row", kpi::fuzz::FuzzCsvRow) >= 4);
}

// Found by fuzzing: a 689-byte file whose scanned frame claimed 2.9 GB of
// content made the reader allocate that much before decoding. Now the claim
// is checked against what the frame's bytes can hold, and reported.
TEST_CASE("a frame claiming more content than its bytes can hold is damage, not an allocation") {
  const std::string path = std::string(KPI_SOURCE_DIR) + "/tests/fuzz/regressions/segment_reader/huge-content-size";
  std::unique_ptr<kpi::SegmentReader> reader;
  REQUIRE(kpi::SegmentReader::Open(path, &reader).ok());
  std::string problems = reader->index_problem();
  for (const kpi::ScannedFrameProblem& p : reader->scan_problems()) problems += "; " + p.message;
  INFO(problems);
  CHECK(problems.find("more than its") != std::string::npos);
  CHECK(problems.find("bytes can hold") != std::string::npos);
}

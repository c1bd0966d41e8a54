// The golden vectors of format-spec/vectors (segment.md §10): the reader
// must decode each to its .jsonl and report what its .expect says, and the
// writer must still produce the good ones byte for byte.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "tests/unit/segment_test_util.h"

using namespace kpi;

namespace {

const std::string kVectors = KPI_SOURCE_DIR "/format-spec/vectors/";

std::map<std::string, std::string> ReadExpect(const std::string& name) {
  std::map<std::string, std::string> kv;
  std::istringstream in(test::ReadFileBytes(kVectors + name + ".expect"));
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  REQUIRE(kv.count("blocks") == 1);
  return kv;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (const Record& r : test::RecordsFromJsonl(text)) lines.push_back(r.json);
  return lines;
}

// The bytes kpi-vectors wrote for a good vector, made again from its .jsonl.
std::string Rewrite(const std::string& name, const test::TempDir& dir) {
  auto kv = ReadExpect(name);
  segment::Header h;
  h.hour_ms = std::stoll(kv["hour_ms"]);
  h.writer = kv["writer"];
  h.seq = std::stoull(kv["seq"]);
  h.flags = static_cast<uint16_t>(std::stoi(kv["flags"]));
  std::istringstream names(kv["superseded"]);
  for (std::string n; std::getline(names, n, ',');) h.superseded.push_back(n);
  SegmentWriterOptions options;
  options.block_bytes = std::stoull(kv["block_bytes"]);
  options.zstd_level = std::stoi(kv["zstd_level"]);
  options.sync = false;
  const auto records = test::RecordsFromJsonl(test::ReadFileBytes(kVectors + name + ".jsonl"));
  const std::string path = dir / (name + ".kpi.zst");
  REQUIRE(test::WriteSegment(path, h, options, records).ok());
  return test::ReadFileBytes(path);
}

}  // namespace

TEST_CASE("every golden vector decodes to its .jsonl and reports its .expect") {
  for (const std::string name :
       {"three-records", "multi-block", "compacted", "torn", "corrupt-block"}) {
    INFO(name);
    auto kv = ReadExpect(name);
    const std::string path = kVectors + name + ".kpi.zst";
    const test::ReadOutcome got = test::ReadEverything(path);
    REQUIRE(got.open.ok());
    CHECK(got.lines == Lines(test::ReadFileBytes(kVectors + name + ".jsonl")));
    CHECK(got.lines.size() == std::stoull(kv["records"]));

    std::unique_ptr<SegmentReader> reader;
    REQUIRE(SegmentReader::Open(path, &reader).ok());
    CHECK(reader->blocks().size() == std::stoull(kv["blocks"]));
    CHECK_FALSE(reader->header_damaged());
    const std::string& error = kv["error"];
    const size_t offset_key = error.find("offset=");
    const std::string at_offset =
        offset_key == std::string::npos ? "" : "offset " + error.substr(offset_key + 7);
    if (error == "none") {
      CHECK_FALSE(reader->index_damaged());
      CHECK(got.block_errors.empty());
    } else if (error.rfind("corruption index ", 0) == 0) {
      CHECK(reader->index_damaged());
      CHECK(reader->index_problem().find(path) != std::string::npos);
      CHECK(reader->index_problem().find(at_offset) != std::string::npos);
      CHECK(got.block_errors.empty());
    } else {
      REQUIRE(error.rfind("corruption block=1 ", 0) == 0);
      CHECK_FALSE(reader->index_damaged());
      REQUIRE(got.block_errors.size() == 1);
      const std::string& message = got.block_errors[0].message();
      CHECK(got.block_errors[0].IsCorruption());
      CHECK(message.find(path) != std::string::npos);
      CHECK(message.find("block 1") != std::string::npos);
      CHECK(message.find(at_offset) != std::string::npos);
    }
  }
}

TEST_CASE("zstdcat prints the three-records vector's lines") {
  const std::string cmd = "zstdcat '" + kVectors + "three-records.kpi.zst' | cmp -s - '" +
                          kVectors + "three-records.jsonl'";
  CHECK(std::system(cmd.c_str()) == 0);
}

TEST_CASE("the compacted vector names the segments it supersedes") {
  std::unique_ptr<SegmentReader> reader;
  REQUIRE(SegmentReader::Open(kVectors + "compacted.kpi.zst", &reader).ok());
  CHECK(reader->header().compacted());
  CHECK(reader->header().writer == "compact");
  CHECK(reader->header().superseded ==
        std::vector<std::string>{"a1-0000000000000001.kpi.zst", "a1-0000000000000002.kpi.zst"});
}

TEST_CASE("the writer reproduces the golden vectors byte for byte") {
  test::TempDir dir;
  for (const std::string name : {"three-records", "multi-block", "compacted"}) {
    INFO(name << ": if only the zstd release changed, regenerate (format-spec/vectors/README.md)");
    CHECK(Rewrite(name, dir) == test::ReadFileBytes(kVectors + name + ".kpi.zst"));
  }
  const std::string multi = test::ReadFileBytes(kVectors + "multi-block.kpi.zst");
  const size_t cut = std::stoull(ReadExpect("torn")["truncate"]);
  CHECK(test::ReadFileBytes(kVectors + "torn.kpi.zst") == multi.substr(0, cut));
  std::string flipped = multi;
  const size_t at = std::stoull(ReadExpect("corrupt-block")["flip"]);
  flipped[at] = static_cast<char>(flipped[at] ^ 0x01);
  CHECK(test::ReadFileBytes(kVectors + "corrupt-block.kpi.zst") == flipped);
}

// The golden segment vectors of format-spec/vectors (segment.md §14): the
// reader must decode each to its .jsonl and report what its .expect says
// (segment.md §12), and the writer must still produce the good ones byte for
// byte. The WAL and store vectors are wal_vectors_test's.
#include <catch2/catch.hpp>
#include <algorithm>
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

// The report of a lone segment (segment.md §12), as the .expect files write it.
std::vector<std::string> Report(SegmentReader* reader) {
  std::vector<std::string> out;
  for (const ReadProblem& p : reader->OpenProblems()) out.push_back(p.ReportEntry());
  std::vector<RecordView> views;
  for (size_t i = 0; i < reader->blocks().size(); ++i) {
    const Status s = reader->ReadBlock(i, &views);
    if (!s.ok()) out.push_back(reader->BlockProblem(i, s).ReportEntry());
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    auto offset = [](const std::string& e) { return std::stoull(e.substr(e.rfind('=') + 1)); };
    return offset(a) < offset(b);
  });
  return out;
}

std::vector<std::string> ExpectedProblems(const std::string& name) {
  std::vector<std::string> out;
  std::istringstream in(test::ReadFileBytes(kVectors + name + ".expect"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("problem=", 0) == 0 && line != "problem=none") out.push_back(line.substr(8));
  }
  return out;
}

const std::vector<std::string> kSegmentVectors = {
    "three-records", "multi-block",    "compacted",        "torn",
    "corrupt-block", "header-damaged", "header-and-footer"};

}  // namespace

TEST_CASE("every golden segment vector decodes to its .jsonl and reports its .expect") {
  for (const std::string& name : kSegmentVectors) {
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
    CHECK(Report(reader.get()) == ExpectedProblems(name));
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
  // The damaged vectors are multi-block with the flip and cut their .expect says.
  for (const std::string name : {"torn", "corrupt-block", "header-damaged", "header-and-footer"}) {
    INFO(name);
    auto kv = ReadExpect(name);
    std::string bytes = multi;
    if (kv.count("flip")) {
      const size_t at = std::stoull(kv["flip"]);
      bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    }
    if (kv.count("truncate")) bytes.resize(std::stoull(kv["truncate"]));
    CHECK(test::ReadFileBytes(kVectors + name + ".kpi.zst") == bytes);
  }
}

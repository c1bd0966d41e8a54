// Damaged segments (format-spec/segment.md §9): a segment cut at every byte
// and a segment with every single byte flipped. The reader must never crash,
// must name the file and an offset, and must return every record of every
// block the damage did not touch, and nothing that was not written.
#include <catch2/catch.hpp>

#include "tests/unit/segment_test_util.h"

using namespace kpi;

namespace {

// A small segment of several blocks, the lines of each block, and its bytes.
struct Sample {
  test::TempDir dir;
  std::string path;
  std::string bytes;
  std::vector<segment::BlockInfo> blocks;
  std::vector<std::vector<std::string>> block_lines;
  uint64_t header_size = 0;

  Sample() : path(dir / "a1-0000000000000001.kpi.zst") {
    const auto records = test::GenerateRecords("a1", 8, 17);
    SegmentWriterOptions options;
    options.block_bytes = 2500;
    options.sync = false;
    SegmentWriter writer(path, test::TestHeader("a1", 1), options);
    REQUIRE(writer.Open().ok());
    for (const Record& r : records) REQUIRE(writer.Add(r).ok());
    REQUIRE(writer.Finish().ok());
    blocks = writer.blocks();
    REQUIRE(blocks.size() >= 3);
    size_t next = 0;
    for (const auto& b : blocks) {
      block_lines.emplace_back();
      for (uint32_t i = 0; i < b.record_count; ++i) block_lines.back().push_back(records[next++].json);
    }
    bytes = test::ReadFileBytes(path);
    header_size = blocks[0].offset;
  }

  // The lines of every block except `skip` (none when out of range).
  std::vector<std::string> LinesWithout(size_t skip) const {
    std::vector<std::string> out;
    for (size_t b = 0; b < blocks.size(); ++b) {
      if (b != skip) out.insert(out.end(), block_lines[b].begin(), block_lines[b].end());
    }
    return out;
  }
  std::vector<std::string> LinesOfBlocksBefore(uint64_t end_offset) const {
    std::vector<std::string> out;
    for (size_t b = 0; b < blocks.size(); ++b) {
      if (blocks[b].offset + blocks[b].compressed_size > end_offset) break;
      out.insert(out.end(), block_lines[b].begin(), block_lines[b].end());
    }
    return out;
  }
  // The block holding byte `offset`, or blocks.size() outside all blocks.
  size_t BlockAt(uint64_t offset) const {
    for (size_t b = 0; b < blocks.size(); ++b) {
      if (offset >= blocks[b].offset && offset < blocks[b].offset + blocks[b].compressed_size) return b;
    }
    return blocks.size();
  }
  uint64_t IndexOffset() const {
    return blocks.back().offset + blocks.back().compressed_size;
  }
};

bool NamesFileAndOffset(const std::string& message, const std::string& path) {
  return message.find(path) != std::string::npos && message.find("offset ") != std::string::npos;
}

}  // namespace

TEST_CASE("a segment cut at any byte returns exactly its whole blocks") {
  Sample s;
  const std::string cut_path = s.dir / "cut.kpi.zst";
  for (size_t len = 0; len < s.bytes.size(); ++len) {
    INFO("truncated to " << len << " of " << s.bytes.size() << " bytes");
    test::WriteFileBytes(cut_path, s.bytes.substr(0, len));
    const test::ReadOutcome got = test::ReadEverything(cut_path);
    REQUIRE(got.open.ok());  // segment.md §12: damage is reported, not an error
    if (len < s.header_size) {  // no header, no index, no block
      std::unique_ptr<SegmentReader> reader;
      REQUIRE(SegmentReader::Open(cut_path, &reader).ok());
      REQUIRE(reader->header_damaged());
      REQUIRE(reader->index_damaged());
      REQUIRE(got.lines.empty());
      continue;
    }
    REQUIRE(got.block_errors.empty());
    REQUIRE(got.lines == s.LinesOfBlocksBefore(len));
    std::unique_ptr<SegmentReader> reader;
    REQUIRE(SegmentReader::Open(cut_path, &reader).ok());
    REQUIRE(reader->index_damaged());
    REQUIRE(NamesFileAndOffset(reader->index_problem(), cut_path));
    REQUIRE_FALSE(reader->header_damaged());
  }
}

TEST_CASE("one flipped byte anywhere hides only the block it is in") {
  Sample s;
  const std::string bad_path = s.dir / "flipped.kpi.zst";
  const std::vector<std::string> all = s.LinesWithout(s.blocks.size());
  for (size_t at = 0; at < s.bytes.size(); ++at) {
    for (const int mask : {0x01, 0xff}) {
      INFO("byte " << at << " xor " << mask);
      std::string bytes = s.bytes;
      bytes[at] = static_cast<char>(bytes[at] ^ mask);
      test::WriteFileBytes(bad_path, bytes);
      const test::ReadOutcome got = test::ReadEverything(bad_path);
      REQUIRE(got.open.ok());
      std::unique_ptr<SegmentReader> reader;
      REQUIRE(SegmentReader::Open(bad_path, &reader).ok());
      const size_t block = s.BlockAt(at);
      if (at < s.header_size) {
        REQUIRE(reader->header_damaged());
        REQUIRE(NamesFileAndOffset(reader->header_problem(), bad_path));
        REQUIRE(got.lines == all);
      } else if (at >= s.IndexOffset()) {
        REQUIRE(reader->index_damaged());
        REQUIRE(NamesFileAndOffset(reader->index_problem(), bad_path));
        REQUIRE(got.lines == all);
      } else if (got.block_errors.empty()) {
        REQUIRE(got.lines == all);  // a bit zstd never reads; the content checks passed
      } else {
        REQUIRE(got.block_errors.size() == 1);
        const std::string& message = got.block_errors[0].message();
        REQUIRE(NamesFileAndOffset(message, bad_path));
        REQUIRE(message.find("block " + std::to_string(block) + ":") != std::string::npos);
        REQUIRE(got.lines == s.LinesWithout(block));
      }
    }
  }
}

TEST_CASE("without an index, a flipped block is skipped and the scan goes on") {
  Sample s;
  const std::string bad_path = s.dir / "torn-flipped.kpi.zst";
  const segment::BlockInfo& b1 = s.blocks[1];
  for (uint64_t at = b1.offset; at < b1.offset + b1.compressed_size; ++at) {
    INFO("byte " << at);
    std::string bytes = s.bytes.substr(0, s.IndexOffset() + 3);
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    test::WriteFileBytes(bad_path, bytes);
    const test::ReadOutcome got = test::ReadEverything(bad_path);
    REQUIRE(got.open.ok());
    REQUIRE(got.block_errors.empty());
    // Either the flip left the frame's extent readable (block 1 is skipped)
    // or it hid where block 2 starts (the scan stops); both keep block 0.
    const bool skipped = got.lines == s.LinesWithout(1);
    const bool stopped = got.lines == s.block_lines[0];
    const bool harmless = got.lines == s.LinesWithout(s.blocks.size());
    REQUIRE((skipped || stopped || harmless));
  }
  // The golden corrupt-block case: a byte in the middle of the data.
  std::string bytes = s.bytes.substr(0, s.IndexOffset());
  const uint64_t middle = b1.offset + b1.compressed_size / 2;
  bytes[middle] = static_cast<char>(bytes[middle] ^ 0x01);
  test::WriteFileBytes(bad_path, bytes);
  CHECK(test::ReadEverything(bad_path).lines == s.LinesWithout(1));
}

TEST_CASE("a file that is no segment at all reads as a damaged header and index, not a crash") {
  test::TempDir dir;
  const std::string path = dir / "junk.kpi.zst";
  for (const std::string& junk : {std::string(), std::string(100, 'x'), std::string(5000, '\0'),
                                 std::string("KPIX", 4), std::string(30, '\xff') + "KPIX"}) {
    test::WriteFileBytes(path, junk);
    std::unique_ptr<SegmentReader> reader;
    REQUIRE(SegmentReader::Open(path, &reader).ok());  // segment.md §12: reported, not an error
    CHECK(reader->blocks().empty());
    std::vector<std::string> kinds;
    for (const ReadProblem& p : reader->OpenProblems()) {
      CHECK(p.file == path);
      kinds.push_back(p.ReportEntry().substr(0, p.ReportEntry().rfind(' ')));
    }
    CHECK(kinds == std::vector<std::string>{"damage header", "damage index"});
  }
}

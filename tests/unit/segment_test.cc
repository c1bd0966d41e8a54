// SegmentWriter and SegmentReader on healthy files (format-spec/segment.md):
// round trips, the zstd CLI's view of a segment, time-range reads, and what
// the writer refuses.
#include <catch2/catch.hpp>
#include <cstdio>

#include "libkpi/format/segment_codec.h"
#include "libkpi/format/store_layout.h"
#include "tests/unit/segment_test_util.h"
#include "tests/unit/write_path_test_util.h"

using namespace kpi;
using kpi::test::TempDir;

namespace {

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  REQUIRE(pclose(pipe) == 0);
  return out;
}

SegmentWriterOptions NoSync(size_t block_bytes = segment::kDefaultBlockBytes) {
  SegmentWriterOptions o;
  o.block_bytes = block_bytes;
  o.sync = false;
  return o;
}

}  // namespace

TEST_CASE("100k realistic records round trip through a segment in order") {
  TempDir dir;
  const auto records = test::GenerateRecords("a1", 100000, 7);
  const std::string path = dir / "a1-0000000000000001.kpi.zst";
  REQUIRE(test::WriteSegment(path, test::TestHeader("a1", 1), NoSync(), records).ok());

  std::unique_ptr<SegmentReader> reader;
  REQUIRE(SegmentReader::Open(path, &reader).ok());
  CHECK_FALSE(reader->header_damaged());
  CHECK_FALSE(reader->index_damaged());
  CHECK(reader->header().writer == "a1");
  CHECK(reader->record_count() == records.size());
  CHECK(reader->blocks().size() > 50);
  size_t next = 0;
  std::vector<RecordView> views;
  for (size_t b = 0; b < reader->blocks().size(); ++b) {
    REQUIRE(reader->ReadBlock(b, &views).ok());
    CHECK(views.size() == reader->blocks()[b].record_count);
    for (const RecordView& v : views) {
      REQUIRE(next < records.size());
      REQUIRE(v.json == records[next].json);
      REQUIRE(v.timestamp_ms == records[next].timestamp_ms);
      REQUIRE(v.id == records[next].id.ToString());
      ++next;
    }
  }
  CHECK(next == records.size());
  // The header probe (64 bytes), the footer, then the index and every block
  // exactly once.
  CHECK(reader->bytes_read() == 64 + segment::kFooterSize + reader->file_size() -
                                    reader->blocks()[0].offset);
}

TEST_CASE("zstdcat prints exactly a segment's records as JSON lines") {
  TempDir dir;
  const auto records = test::GenerateRecords("w2", 3000, 11);
  const std::string path = dir / "w2-0000000000000005.kpi.zst";
  REQUIRE(test::WriteSegment(path, test::TestHeader("w2", 5), NoSync(64 * 1024), records).ok());
  CHECK(RunCommand("zstdcat '" + path + "'") == test::JoinLines(records));
}

TEST_CASE("a time-range read opens only the blocks that overlap the range") {
  TempDir dir;
  const auto records = test::GenerateRecords("a1", 6000, 3);
  const std::string path = dir / "a1-0000000000000002.kpi.zst";
  REQUIRE(test::WriteSegment(path, test::TestHeader("a1", 2), NoSync(32 * 1024), records).ok());

  std::unique_ptr<SegmentReader> reader;
  REQUIRE(SegmentReader::Open(path, &reader).ok());
  const uint64_t opened_bytes = reader->bytes_read();
  CHECK(reader->blocks_read() == 0);
  const int64_t from = test::kTestHour + 20 * kMsPerMinute;
  const int64_t to = test::kTestHour + 30 * kMsPerMinute;
  const std::vector<size_t> chosen = reader->BlocksOverlapping(from, to);
  REQUIRE(!chosen.empty());
  REQUIRE(chosen.size() < reader->blocks().size() / 3);

  std::vector<std::string> got;
  uint64_t chosen_bytes = 0;
  std::vector<RecordView> views;
  for (size_t b : chosen) {
    chosen_bytes += reader->blocks()[b].compressed_size;
    REQUIRE(reader->ReadBlock(b, &views).ok());
    for (const RecordView& v : views) {
      if (v.timestamp_ms >= from && v.timestamp_ms < to) got.emplace_back(v.json);
    }
  }
  std::vector<std::string> want;
  for (const Record& r : records) {
    if (r.timestamp_ms >= from && r.timestamp_ms < to) want.push_back(r.json);
  }
  CHECK(got == want);
  CHECK(reader->blocks_read() == chosen.size());
  CHECK(reader->bytes_read() == opened_bytes + chosen_bytes);
}

TEST_CASE("a record larger than the block size sits alone in its block") {
  TempDir dir;
  auto records = test::GenerateRecords("a1", 5, 1);
  const std::string path = dir / "a1-0000000000000003.kpi.zst";
  REQUIRE(test::WriteSegment(path, test::TestHeader("a1", 3), NoSync(100), records).ok());
  std::unique_ptr<SegmentReader> reader;
  REQUIRE(SegmentReader::Open(path, &reader).ok());
  REQUIRE(reader->blocks().size() == 5);
  for (const auto& b : reader->blocks()) CHECK(b.record_count == 1);
}

TEST_CASE("a segment without records is valid and empty") {
  TempDir dir;
  const std::string path = dir / "a1-0000000000000004.kpi.zst";
  REQUIRE(test::WriteSegment(path, test::TestHeader("a1", 4), NoSync(), {}).ok());
  std::unique_ptr<SegmentReader> reader;
  REQUIRE(SegmentReader::Open(path, &reader).ok());
  CHECK_FALSE(reader->index_damaged());
  CHECK(reader->blocks().empty());
  CHECK(RunCommand("zstdcat '" + path + "'").empty());
}

TEST_CASE("the writer refuses records out of order, outside its hour or not canonical") {
  TempDir dir;
  const auto records = test::GenerateRecords("a1", 3, 5);
  SegmentWriter writer(dir / "x/a1-0000000000000009.kpi.zst", test::TestHeader("a1", 9), NoSync());
  REQUIRE(writer.Open().ok());
  REQUIRE(writer.Add(records[1]).ok());
  CHECK(writer.Add(records[0]).code() == Status::Code::kInvalidArgument);  // order
  CHECK(writer.Add(records[1]).code() == Status::Code::kInvalidArgument);  // duplicate key
  Record moved = records[2];
  moved.timestamp_ms += kMsPerHour;
  CHECK(writer.Add(moved).code() == Status::Code::kInvalidArgument);  // ts differs from the json
  Record wrong_id = records[2];
  wrong_id.id.seq += 1;
  CHECK(writer.Add(wrong_id).code() == Status::Code::kInvalidArgument);
  CHECK(writer.Add(records[2].timestamp_ms, records[2].id, "{\"x\":1}").code() ==
        Status::Code::kInvalidArgument);
  CHECK(writer.Add(records[2]).ok());
  CHECK(writer.records_written() == 2);
}

TEST_CASE("the writer refuses an invalid header") {
  TempDir dir;
  segment::Header h = test::TestHeader("A1", 1);
  CHECK(SegmentWriter(dir / "a.kpi.zst", h, NoSync()).Open().code() ==
        Status::Code::kInvalidArgument);
  h = test::TestHeader("a1", 1);
  h.hour_ms += 1;
  CHECK(SegmentWriter(dir / "a.kpi.zst", h, NoSync()).Open().code() ==
        Status::Code::kInvalidArgument);
  h = test::TestHeader("a1", 1);
  h.superseded = {"a1-0000000000000001.kpi.zst"};  // without the compacted flag
  CHECK(SegmentWriter(dir / "a.kpi.zst", h, NoSync()).Open().code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("nothing is published before Finish and an abandoned writer leaves no temp file") {
  TempDir dir;
  const std::string path = dir / "h/a1-0000000000000001.kpi.zst";
  const auto records = test::GenerateRecords("a1", 10, 2);
  {
    SegmentWriter writer(path, test::TestHeader("a1", 1), NoSync());
    REQUIRE(writer.Open().ok());
    for (const Record& r : records) REQUIRE(writer.Add(r).ok());
    CHECK(boost::filesystem::exists(StoreLayout::TempPathFor(path)));
    CHECK_FALSE(boost::filesystem::exists(path));
  }
  CHECK_FALSE(boost::filesystem::exists(StoreLayout::TempPathFor(path)));
  CHECK_FALSE(boost::filesystem::exists(path));

  SegmentWriter writer(path, test::TestHeader("a1", 1), SegmentWriterOptions{});  // with fsync
  REQUIRE(writer.Open().ok());
  for (const Record& r : records) REQUIRE(writer.Add(r).ok());
  REQUIRE(writer.Finish().ok());
  CHECK(boost::filesystem::exists(path));
  CHECK_FALSE(boost::filesystem::exists(StoreLayout::TempPathFor(path)));
  CHECK(writer.bytes_written() == boost::filesystem::file_size(path));
  CHECK(writer.Finish().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("a compacted header round trips with its superseded names") {
  TempDir dir;
  segment::Header h = test::TestHeader(std::string(kCompactWriterId), 12);
  h.flags = segment::kFlagCompacted;
  h.superseded = {"a1-0000000000000001.kpi.zst", std::string(64, 'n')};
  const std::string path = dir / "compact-000000000000000c.kpi.zst";
  REQUIRE(test::WriteSegment(path, h, NoSync(), test::GenerateRecords("a1", 20, 4)).ok());
  std::unique_ptr<SegmentReader> reader;
  REQUIRE(SegmentReader::Open(path, &reader).ok());
  CHECK(reader->header().compacted());
  CHECK(reader->header().superseded == h.superseded);
  CHECK(reader->header().seq == 12);
  CHECK(reader->header().hour_ms == test::kTestHour);
}

TEST_CASE("a reader refuses a newer format version instead of guessing") {
  TempDir dir;
  const std::string path = dir / "a1-0000000000000001.kpi.zst";
  REQUIRE(test::WriteSegment(path, test::TestHeader("a1", 1), NoSync(),
                             test::GenerateRecords("a1", 3, 4)).ok());
  std::string bytes = test::ReadFileBytes(path);
  segment::Header h = test::TestHeader("a1", 1);
  h.version = 2;
  std::string header;
  segment::EncodeHeaderFrame(h, &header);
  bytes.replace(0, header.size(), header);
  test::WriteFileBytes(path, bytes);
  std::unique_ptr<SegmentReader> reader;
  const Status s = SegmentReader::Open(path, &reader);
  CHECK(s.code() == Status::Code::kUnsupported);
  CHECK(s.message().find(path) != std::string::npos);
}

TEST_CASE("opening a missing segment is NotFound") {
  std::unique_ptr<SegmentReader> reader;
  CHECK(SegmentReader::Open("/nonexistent/a1-0000000000000001.kpi.zst", &reader).IsNotFound());
}

TEST_CASE("ParseRecordPrefix accepts canonical prefixes only") {
  std::string_view id;
  int64_t ts = -1;
  CHECK(ParseRecordPrefix(R"({"_id":"a1-000000000000000f","timestamp":1764439200000,"x":1})",
                          &id, &ts));
  CHECK(id == "a1-000000000000000f");
  CHECK(ts == 1764439200000);
  CHECK(ParseRecordPrefix(R"({"_id":"a1-0000000000000000","timestamp":0})", &id, &ts));
  CHECK(ts == 0);
  for (const char* bad : {
           R"({"timestamp":1,"_id":"a1-0000000000000001"})",
           R"({"_id":"A1-0000000000000001","timestamp":1})",
           R"({"_id":"a1-000000000000000F","timestamp":1})",
           R"({"_id":"a1-00000000000001","timestamp":1})",
           R"({"_id":"a1-0000000000000001","timestamp":01})",
           R"({"_id":"a1-0000000000000001","timestamp":-1})",
           R"({"_id":"a1-0000000000000001","timestamp":1.5})",
           R"({"_id":"a1-0000000000000001", "timestamp":1})",
           R"({"_id":"a1-0000000000000001","timestamp":1234567890123456789})",
           R"({"_id":"a1-0000000000000001","timestamp":1})x",
           R"({"_id":"a1-0000000000000001","timestamp":1}})",
           R"({"_id":"abcdefghijklmnopq-0000000000000001","timestamp":1})",
           "", "{", R"({"_id":")"}) {
    INFO(bad);
    CHECK_FALSE(ParseRecordPrefix(bad, &id, &ts));
  }
}

TEST_CASE("a failed write, sync or rename publishes nothing and leaves no temp file") {
  const auto records = test::GenerateRecords("a1", 200, 8);
  for (const std::string step : {"append", "sync", "rename"}) {
    INFO(step);
    TempDir dir;
    const std::string path = dir / "a1-0000000000000001.kpi.zst";
    testing::ScopedFaultFs fault_fs;
    fault_fs.faults().path_part = ".kpi.zst.tmp";
    fault_fs.faults().sync_io_error = step == "sync";
    if (step == "rename") boost::filesystem::create_directories(path + "/occupied");
    {
      SegmentWriterOptions options = NoSync(4096);
      options.sync = true;
      SegmentWriter writer(path, test::TestHeader("a1", 1), options);
      Status s = writer.Open();
      fault_fs.faults().append_no_space = step == "append";
      for (size_t i = 0; s.ok() && i < records.size(); ++i) s = writer.Add(records[i]);
      if (s.ok()) s = writer.Finish();
      CHECK_FALSE(s.ok());
      CHECK_FALSE(writer.Add(records.back()).ok());  // the writer stays failed
    }
    CHECK_FALSE(boost::filesystem::is_regular_file(path));
    CHECK_FALSE(boost::filesystem::exists(StoreLayout::TempPathFor(path)));
  }
}

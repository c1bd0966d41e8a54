// The reading rules format-spec/segment.md states for whole stores and for
// headers and blocks beyond the golden vectors: a header that disagrees with
// its path (§3), the compacted flag and the reserved writer (§3), the hour's
// range (§0), the last timestamp and the path's hour (§4), scanned frames
// reported one by one (§9), sealed WALs whose segment was compacted away
// (§10, wal.md §5), copies returned once (§11.3).
#include <catch2/catch.hpp>

#include "libkpi/format/segment_codec.h"
#include "libkpi/read/hour_snapshot.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/util/coding.h"
#include "libkpi/util/crc32c.h"
#include "store_test_util.h"
#include "testing/store_builder.h"

using kpi::FileKey;
using kpi::Record;
using kpi::StoreBuilder;
using kpi_test::MakeRecord;
using kpi_test::ReadAll;

namespace {

const int64_t kH18 = kpi::FromCivil(2026, 11, 29, 18);

std::vector<Record> Run(const std::string& writer, uint64_t seq, int count) {
  std::vector<Record> out;
  for (int i = 0; i < count; ++i) out.push_back(MakeRecord(writer, seq + i, kH18 + i * 1000));
  return out;
}

kpi::StreamOptions Everything(const std::vector<std::string>& dirs) {
  kpi::StreamOptions o;
  o.data_dirs = dirs;
  o.range = kpi::TimeRange::All();
  return o;
}

std::vector<std::string> Entries(const kpi::ReadProblems& problems) {
  std::vector<std::string> out;
  for (const kpi::ReadProblem& p : problems) out.push_back(p.ReportEntry());
  return out;
}

// Rewrites the header frame's crc32c after a field was changed (segment.md §3).
void FixHeaderCrc(std::string* bytes) {
  const uint32_t n = kpi::DecodeFixed32(bytes->data() + 4);
  kpi::EncodeFixed32(bytes->data() + 8 + n - 4, kpi::crc32c::Value(bytes->data() + 8, n - 4));
}

// A sealed segment of a1 (seq 1) in a fresh store; its path.
std::string OneSegment(const kpi_test::TempDir& dir, int records = 20) {
  StoreBuilder b(dir.path());
  std::string path;
  REQUIRE(b.WriteSegment({kH18, "a1", 1}, Run("a1", 1, records), &path).ok());
  return path;
}

bool HeaderDamaged(const std::string& path, const std::string& bytes) {
  kpi::test::WriteFileBytes(path, bytes);
  std::unique_ptr<kpi::SegmentReader> reader;
  REQUIRE(kpi::SegmentReader::Open(path, &reader).ok());
  return reader->header_damaged();
}

}  // namespace

TEST_CASE("a header that disagrees with its path is damaged; records are read with the path's hour") {
  kpi_test::TempDir dir;
  const std::string path = OneSegment(dir);
  const std::string moved = path.substr(0, path.rfind('/') + 1) + "a1-0000000000000007.kpi.zst";
  REQUIRE(std::rename(path.c_str(), moved.c_str()) == 0);

  std::unique_ptr<kpi::SegmentReader> lone, listed;
  REQUIRE(kpi::SegmentReader::Open(moved, &lone).ok());
  CHECK_FALSE(lone->header_damaged());  // a lone file has no path to agree with
  REQUIRE(kpi::SegmentReader::OpenListed(moved, FileKey{kH18, "a1", 7}, &listed).ok());
  CHECK(listed->header_damaged());
  CHECK(listed->header_problem().find("which its path does not") != std::string::npos);

  auto result = ReadAll(Everything({dir.path()}));
  REQUIRE(result.status.ok());
  CHECK(result.ids.size() == 20);
  CHECK(Entries(result.problems) == std::vector<std::string>{"damage header offset=0"});

  // The path's hour bounds the records: in the wrong hour directory, none is valid.
  REQUIRE(kpi::SegmentReader::OpenListed(moved, FileKey{kH18 + kpi::kMsPerHour, "a1", 1}, &listed).ok());
  std::vector<kpi::RecordView> views;
  CHECK(listed->ReadBlock(0, &views).IsCorruption());
}

TEST_CASE("the compacted flag goes with writer compact only, and hours lie in 1970-9999") {
  kpi_test::TempDir dir;
  const std::string path = OneSegment(dir);
  const std::string good = kpi::test::ReadFileBytes(path);
  CHECK_FALSE(HeaderDamaged(path, good));

  std::string flagged = good;  // writer a1 with the compacted flag
  kpi::EncodeFixed16(&flagged[14], 1);
  FixHeaderCrc(&flagged);
  CHECK(HeaderDamaged(path, flagged));

  std::string negative = good;  // an hour before 1970, crc32c valid
  kpi::EncodeFixed64(&negative[16], static_cast<uint64_t>(-kpi::kMsPerHour));
  FixHeaderCrc(&negative);
  CHECK(HeaderDamaged(path, negative));

  kpi::segment::Header h;
  h.hour_ms = kH18;
  h.writer = "a1";
  h.flags = kpi::segment::kFlagCompacted;
  CHECK(kpi::segment::ValidateHeader(h).code() == kpi::Status::Code::kInvalidArgument);
  h.writer = "compact";
  CHECK(kpi::segment::ValidateHeader(h).ok());
  h.flags = 0;
  CHECK(kpi::segment::ValidateHeader(h).code() == kpi::Status::Code::kInvalidArgument);
}

TEST_CASE("a block whose last timestamp is not the index's max timestamp is damaged") {
  kpi_test::TempDir dir;
  const std::string path = OneSegment(dir);
  std::string bytes = kpi::test::ReadFileBytes(path);
  std::unique_ptr<kpi::SegmentReader> reader;
  REQUIRE(kpi::SegmentReader::Open(path, &reader).ok());
  REQUIRE(reader->blocks().size() == 1);
  const uint64_t index = bytes.size() - 24 - 64;
  const uint64_t entry = index + 8;
  const int64_t max_ts = reader->blocks()[0].max_ts;
  kpi::EncodeFixed64(&bytes[entry + 32], static_cast<uint64_t>(max_ts + 1));  // still >= min
  kpi::EncodeFixed32(&bytes[entry + 64 + 4], kpi::crc32c::Value(bytes.data() + entry, 64 + 4));
  kpi::test::WriteFileBytes(path, bytes);
  REQUIRE(kpi::SegmentReader::Open(path, &reader).ok());
  REQUIRE_FALSE(reader->index_damaged());
  std::vector<kpi::RecordView> views;
  const kpi::Status s = reader->ReadBlock(0, &views);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("max timestamp") != std::string::npos);
}

TEST_CASE("a forward scan reports each frame it skips as a block, numbered in file order") {
  kpi_test::TempDir dir;
  kpi::SegmentWriterOptions small = StoreBuilder::Unsynced();
  small.block_bytes = 1024;
  StoreBuilder b(dir.path(), small);
  std::string path;
  REQUIRE(b.WriteSegment({kH18, "a1", 1}, Run("a1", 1, 40), &path).ok());
  std::unique_ptr<kpi::SegmentReader> reader;
  REQUIRE(kpi::SegmentReader::Open(path, &reader).ok());
  const auto blocks = reader->blocks();
  REQUIRE(blocks.size() >= 4);
  std::string bytes = kpi::test::ReadFileBytes(path);
  bytes.resize(bytes.size() - 10);  // torn index
  // Block 2's content fails its crc32c but its extent stays known: a byte of
  // its last zstd block's data (not its headers) flipped.
  const uint64_t at = blocks[2].offset + blocks[2].compressed_size / 2;
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  kpi::test::WriteFileBytes(path, bytes);
  REQUIRE(kpi::SegmentReader::Open(path, &reader).ok());
  CHECK(reader->blocks().size() == blocks.size() - 1);
  CHECK(Entries(reader->OpenProblems()) ==
        std::vector<std::string>{"damage block block=2 offset=" + std::to_string(blocks[2].offset),
                                 "damage index offset=" + std::to_string(bytes.size() - 16)});
}

TEST_CASE("a WAL whose segment a compacted segment supersedes is sealed: read once") {
  kpi_test::TempDir dir;
  StoreBuilder b(dir.path());
  std::string path;
  const auto records = Run("a1", 1, 10);
  REQUIRE(b.WriteWal({kH18, "a1", 1}, records, &path).ok());
  REQUIRE(b.WriteCompacted(kH18, 1, records, {"a1-0000000000000001.kpi.zst"}, &path).ok());
  kpi::HourSnapshot snapshot;
  kpi::ReadProblems problems;
  REQUIRE(kpi::HourSnapshot::Open({kpi::StoreLayout(dir.path())}, kH18, &snapshot, &problems).ok());
  REQUIRE(snapshot.files().size() == 1);
  CHECK_FALSE(snapshot.files()[0]->is_wal());
  REQUIRE(snapshot.skipped().size() == 1);
  CHECK(snapshot.skipped()[0].is_wal);
  auto result = ReadAll(Everything({dir.path()}));
  CHECK(result.ids == kpi_test::IdsOf(records));
  CHECK(result.stats.copies_skipped == 0);
}

TEST_CASE("copies of a record in several files are returned once") {
  // Two data directories holding the same segment (a store copied together
  // from overlapping backups), and a compacted segment whose header is
  // damaged beside its input: each record once.
  kpi_test::TempDir one, two;
  const auto records = Run("a1", 1, 15);
  std::string path;
  REQUIRE(StoreBuilder(one.path()).WriteSegment({kH18, "a1", 1}, records, &path).ok());
  REQUIRE(StoreBuilder(two.path()).WriteSegment({kH18, "a1", 1}, records, &path).ok());
  auto result = ReadAll(Everything({one.path(), two.path()}));
  CHECK(result.ids == kpi_test::IdsOf(records));
  CHECK(result.stats.copies_skipped == records.size());

  REQUIRE(StoreBuilder(one.path()).WriteCompacted(kH18, 1, records, {"a1-0000000000000001.kpi.zst"}, &path).ok());
  kpi_test::FlipByte(path, 20);  // in the header: its list of inputs is unknown
  result = ReadAll(Everything({one.path()}));
  CHECK(result.ids == kpi_test::IdsOf(records));
  CHECK(result.stats.copies_skipped == records.size());
  CHECK(Entries(result.problems) == std::vector<std::string>{"damage header offset=0"});
}

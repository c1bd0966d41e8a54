// SealWal: WAL → segment, and every state a crash or a compaction can leave.
#include "libkpi/write/sealer.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libkpi/read/segment_reader.h"
#include "libkpi/write/segment_writer.h"
#include "libkpi/util/time_util.h"
#include "libkpi/format/wal.h"
#include "tests/unit/write_path_test_util.h"

namespace kpi {
namespace {

using testing::ReadWholeFile;
using testing::TempDir;
using testing::WriteWholeFile;

const int64_t kHour = FromCivil(2026, 3, 4, 5);

struct Fixture {
  TempDir dir;
  StoreLayout layout{dir.path()};
  FileKey key{kHour, "w1", 10};
  std::string wal_path = layout.WalPath(key);
  Fixture() { REQUIRE(layout.CreateDirectories().ok()); }

  // Records seq 11.. with timestamps in reverse order of their seqs.
  void WriteWal(int records) {
    std::unique_ptr<wal::WalWriter> w;
    REQUIRE(wal::WalWriter::Create(layout, key, &w).ok());
    for (int i = 0; i < records; ++i) {
      const uint64_t seq = 11 + i;
      const int64_t ts = kHour + 1000 - (i / 2);  // pairs share a timestamp
      const std::string line = "{\"_id\":\"" + RecordId{"w1", seq}.ToString() +
                               "\",\"timestamp\":" + std::to_string(ts) + ",\"i\":" +
                               std::to_string(i) + "}";
      REQUIRE(w->Append(ts, seq, line).ok());
    }
    REQUIRE(w->Close().ok());
  }

  std::vector<std::string> SegmentIds(const std::string& path) {
    std::unique_ptr<SegmentReader> reader;
    REQUIRE(SegmentReader::Open(path, &reader).ok());
    std::vector<std::string> ids;
    for (size_t b = 0; b < reader->blocks().size(); ++b) {
      std::vector<RecordView> records;
      REQUIRE(reader->ReadBlock(b, &records).ok());
      for (const RecordView& r : records) ids.emplace_back(r.id);
    }
    return ids;
  }
};

TEST_CASE("sealing sorts a WAL's records into its segment and deletes the WAL") {
  Fixture f;
  f.WriteWal(5);
  SealOptions options;
  options.block_bytes = 100;  // several blocks
  SealResult result;
  REQUIRE(SealWal(f.layout, f.wal_path, options, &result).ok());
  REQUIRE(result.records == 5);
  REQUIRE(result.segment_path == f.layout.SegmentPath(f.key));
  REQUIRE(access(f.wal_path.c_str(), F_OK) != 0);
  // Timestamps fall as seqs rise; equal timestamps keep seq order.
  const std::vector<std::string> expected{"w1-000000000000000f", "w1-000000000000000d",
                                          "w1-000000000000000e", "w1-000000000000000b",
                                          "w1-000000000000000c"};
  REQUIRE(f.SegmentIds(result.segment_path) == expected);
}

TEST_CASE("sealing cuts a torn tail and seals the valid prefix") {
  Fixture f;
  f.WriteWal(3);
  WriteWholeFile(f.wal_path, ReadWholeFile(f.wal_path) + "torn");
  SealResult result;
  REQUIRE(SealWal(f.layout, f.wal_path, SealOptions(), &result).ok());
  REQUIRE(result.torn_bytes == 4);
  REQUIRE(!result.tail_problem.empty());
  REQUIRE(f.SegmentIds(result.segment_path).size() == 3);
}

TEST_CASE("WALs without records are deleted without a segment") {
  Fixture f;
  SECTION("header only") { f.WriteWal(0); }
  SECTION("header cut short by a crash in Create") {
    f.WriteWal(0);
    WriteWholeFile(f.wal_path, ReadWholeFile(f.wal_path).substr(0, 20));
  }
  SealResult result;
  REQUIRE(SealWal(f.layout, f.wal_path, SealOptions(), &result).ok());
  REQUIRE(result.segment_path.empty());
  REQUIRE(access(f.wal_path.c_str(), F_OK) != 0);
  std::vector<ListedFile> segments;
  REQUIRE(f.layout.ListSegments(kMinTimeMs, kMaxTimeMs, &segments).ok());
  REQUIRE(segments.empty());
}

TEST_CASE("a WAL with a damaged header is sealed under its name: its frames still hold records") {
  Fixture f;  // wal.md §2: each frame carries its own checksum
  f.WriteWal(2);
  std::string bytes = ReadWholeFile(f.wal_path);
  bytes[30] ^= 1;
  WriteWholeFile(f.wal_path, bytes);
  SealResult result;
  REQUIRE(SealWal(f.layout, f.wal_path, SealOptions(), &result).ok());
  CHECK(result.records == 2);
  CHECK(access(f.wal_path.c_str(), F_OK) != 0);
  std::unique_ptr<SegmentReader> reader;
  REQUIRE(SegmentReader::Open(result.segment_path, &reader).ok());
  CHECK(reader->record_count() == 2);
  CHECK_FALSE(reader->header_damaged());
}

TEST_CASE("a WAL whose segment was published, even compacted away, is only deleted") {
  Fixture f;
  f.WriteWal(4);
  const std::string wal_bytes = ReadWholeFile(f.wal_path);
  SealResult result;
  REQUIRE(SealWal(f.layout, f.wal_path, SealOptions(), &result).ok());
  const std::string segment_path = result.segment_path;

  SECTION("segment still there: a crash before the WAL was deleted") {
    WriteWholeFile(f.wal_path, wal_bytes);
    REQUIRE(SealWal(f.layout, f.wal_path, SealOptions(), &result).ok());
    REQUIRE(result.already_sealed);
  }
  SECTION("segment compacted into compact-... that names it as superseded") {
    segment::Header header;
    header.flags = segment::kFlagCompacted;
    header.hour_ms = kHour;
    header.seq = 1;
    header.writer = std::string(kCompactWriterId);
    header.superseded = {StoreLayout::SegmentFileName(f.key)};
    SegmentWriter writer(f.layout.SegmentPath(FileKey{kHour, header.writer, 1}), header, {});
    REQUIRE(writer.Open().ok());
    std::unique_ptr<SegmentReader> reader;
    REQUIRE(SegmentReader::Open(segment_path, &reader).ok());
    std::vector<RecordView> records;
    REQUIRE(reader->ReadBlock(0, &records).ok());
    for (const RecordView& r : records) {
      REQUIRE(writer.Add(r.timestamp_ms, *RecordId::Parse(r.id), r.json).ok());
    }
    REQUIRE(writer.Finish().ok());
    REQUIRE(unlink(segment_path.c_str()) == 0);
    WriteWholeFile(f.wal_path, wal_bytes);
    REQUIRE(SealWal(f.layout, f.wal_path, SealOptions(), &result).ok());
    REQUIRE(result.already_sealed);
    REQUIRE(access(segment_path.c_str(), F_OK) != 0);  // not written again
  }
  REQUIRE(access(f.wal_path.c_str(), F_OK) != 0);
}

TEST_CASE("a leftover temporary segment is replaced") {
  Fixture f;
  f.WriteWal(2);
  const std::string temp = StoreLayout::TempPathFor(f.layout.SegmentPath(f.key));
  boost::filesystem::create_directories(DirName(temp));
  WriteWholeFile(temp, "half a segment");
  SealResult result;
  REQUIRE(SealWal(f.layout, f.wal_path, SealOptions(), &result).ok());
  REQUIRE(access(temp.c_str(), F_OK) != 0);
  REQUIRE(f.SegmentIds(result.segment_path).size() == 2);
}

}  // namespace
}  // namespace kpi

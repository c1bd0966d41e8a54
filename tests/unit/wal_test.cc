// WAL format (format-spec/wal.md): round trip, torn tails, damaged frames and
// headers, and the writer's behaviour when the disk fills.
#include "libkpi/format/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libkpi/util/coding.h"
#include "libkpi/util/crc32c.h"
#include "libkpi/util/time_util.h"
#include "tests/unit/write_path_test_util.h"

namespace kpi {
namespace {

using testing::ReadWholeFile;
using testing::TempDir;
using testing::WriteWholeFile;

const int64_t kHour = FromCivil(2026, 11, 29, 18);

std::string Line(uint64_t seq, const std::string& extra = "") {
  return "{\"_id\":\"a1-" + std::string(15, '0') + std::to_string(seq) +
         "\",\"timestamp\":" + std::to_string(kHour) + extra + "}";
}

struct Fixture {
  TempDir dir;
  StoreLayout layout{dir.path()};
  FileKey key{kHour, "a1", 1};
  Fixture() { REQUIRE(layout.CreateDirectories().ok()); }

  // Writes records seq 2..n+1 and returns the frame boundaries (file sizes).
  std::vector<uint64_t> WriteRecords(int n) {
    std::unique_ptr<wal::WalWriter> w;
    REQUIRE(wal::WalWriter::Create(layout, key, &w).ok());
    std::vector<uint64_t> ends{w->size()};
    for (int i = 0; i < n; ++i) {
      REQUIRE(w->Append(kHour + i, 2 + i, Line(2 + i, std::string(i, 'x'))).ok());
      ends.push_back(w->size());
    }
    REQUIRE(w->Sync().ok());
    REQUIRE(w->Close().ok());
    return ends;
  }

  std::vector<wal::WalRecord> Scan(wal::WalScanResult* result, std::vector<std::string>* json,
                                   const std::string& path) {
    std::vector<wal::WalRecord> records;
    const Status s = wal::ScanWal(
        path,
        [&](const wal::WalRecord& r) {
          records.push_back(r);
          json->emplace_back(r.json);
          return true;
        },
        result);
    REQUIRE(s.ok());
    return records;
  }
};

TEST_CASE("WAL records round-trip through ScanWal and ReadWalRecordAt") {
  Fixture f;
  f.WriteRecords(3);
  const std::string path = f.layout.WalPath(f.key);
  REQUIRE(ReadWholeFile(path).substr(0, 4) == "KPIW");

  wal::WalScanResult result;
  std::vector<std::string> json;
  auto records = f.Scan(&result, &json, path);
  REQUIRE(result.key == f.key);
  REQUIRE(result.records == 3);
  REQUIRE(result.valid_bytes == result.file_bytes);
  REQUIRE(result.tail_problem.empty());
  const int fd = ::open(path.c_str(), O_RDONLY);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(records[i].seq == 2u + i);
    REQUIRE(records[i].timestamp_ms == kHour + i);
    REQUIRE(json[i] == Line(2 + i, std::string(i, 'x')));
    wal::WalRecord again;
    std::string again_json;
    REQUIRE(wal::ReadWalRecordAt(fd, path, records[i].offset, &again, &again_json).ok());
    REQUIRE(again_json == json[i]);
    REQUIRE(again.seq == records[i].seq);
  }
  ::close(fd);
}

TEST_CASE("AddFrame of parts writes the same bytes as Append of the joined line") {
  Fixture f;
  f.WriteRecords(1);
  const std::string appended = ReadWholeFile(f.layout.WalPath(f.key));
  Fixture g;
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE(wal::WalWriter::Create(g.layout, g.key, &w).ok());
  const std::string line = Line(2);
  w->AddFrame(kHour, 2, {line.substr(0, 5), "", line.substr(5)});
  REQUIRE(w->pending_bytes() == line.size() + wal::kFrameHeaderSize);
  REQUIRE(w->Flush().ok());
  REQUIRE(w->Close().ok());
  REQUIRE(ReadWholeFile(g.layout.WalPath(g.key)) == appended);
}

TEST_CASE("a WAL cut at every byte yields exactly the frames that are whole") {
  Fixture f;
  const std::vector<uint64_t> ends = f.WriteRecords(3);
  const std::string whole = ReadWholeFile(f.layout.WalPath(f.key));
  const std::string cut = f.dir.path() + "/cut.wal";
  for (size_t len = 0; len <= whole.size(); ++len) {
    WriteWholeFile(cut, whole.substr(0, len));
    wal::WalScanResult result;
    const Status s = wal::ScanWal(cut, nullptr, &result);
    if (len < wal::kHeaderSize) {
      REQUIRE(s.IsCorruption());
      continue;
    }
    REQUIRE(s.ok());
    size_t whole_frames = 0;
    while (whole_frames + 1 < ends.size() && ends[whole_frames + 1] <= len) ++whole_frames;
    INFO("cut at " << len);
    REQUIRE(result.records == whole_frames);
    REQUIRE(result.valid_bytes == ends[whole_frames]);
    REQUIRE(result.file_bytes == len);
    REQUIRE(result.tail_problem.empty() == (len == ends[whole_frames]));
  }
}

TEST_CASE("a frame with a bad checksum or length ends the valid prefix") {
  Fixture f;
  const std::vector<uint64_t> ends = f.WriteRecords(3);
  const std::string path = f.layout.WalPath(f.key);
  const std::string whole = ReadWholeFile(path);

  SECTION("payload byte flipped") {
    std::string damaged = whole;
    damaged[ends[1] + wal::kFrameHeaderSize + 3] ^= 0x20;
    WriteWholeFile(path, damaged);
    wal::WalScanResult result;
    REQUIRE(wal::ScanWal(path, nullptr, &result).ok());
    REQUIRE(result.records == 1);
    REQUIRE(result.valid_bytes == ends[1]);
    REQUIRE(result.tail_problem.find("checksum") != std::string::npos);
    REQUIRE(result.tail_problem.find(std::to_string(ends[1])) != std::string::npos);
    const int fd = ::open(path.c_str(), O_RDONLY);
    wal::WalRecord r;
    std::string json;
    const Status s = wal::ReadWalRecordAt(fd, path, ends[1], &r, &json);
    ::close(fd);
    REQUIRE(s.IsCorruption());
    REQUIRE(s.message().find(path) != std::string::npos);
  }
  SECTION("length zero or over 1 MiB") {
    for (uint32_t bad : {0u, wal::kMaxPayload + 1}) {
      std::string damaged = whole;
      EncodeFixed32(&damaged[ends[2] + 4], bad);
      WriteWholeFile(path, damaged);
      wal::WalScanResult result;
      REQUIRE(wal::ScanWal(path, nullptr, &result).ok());
      REQUIRE(result.records == 2);
      REQUIRE(result.tail_problem.find("length") != std::string::npos);
    }
  }
}

TEST_CASE("a damaged WAL header is Corruption naming the file") {
  Fixture f;
  f.WriteRecords(1);
  const std::string path = f.layout.WalPath(f.key);
  const std::string whole = ReadWholeFile(path);
  auto scan = [&](const std::string& bytes) {
    WriteWholeFile(path, bytes);
    wal::WalScanResult result;
    return wal::ScanWal(path, nullptr, &result);
  };
  std::string bad_magic = whole;
  bad_magic[0] = 'X';
  Status s = scan(bad_magic);
  REQUIRE(s.IsCorruption());
  REQUIRE(s.message().find(path) != std::string::npos);
  REQUIRE(s.message().find("magic") != std::string::npos);

  std::string bad_crc = whole;
  bad_crc[17] ^= 1;  // inside the seq
  s = scan(bad_crc);
  REQUIRE(s.IsCorruption());
  REQUIRE(s.message().find("checksum") != std::string::npos);

  std::string newer = whole;
  EncodeFixed16(&newer[4], 2);
  EncodeFixed32(&newer[44], crc32c::Value(newer.data(), 44));
  REQUIRE(scan(newer).code() == Status::Code::kUnsupported);

  std::string flags = whole;
  EncodeFixed16(&flags[6], 1);
  EncodeFixed32(&flags[44], crc32c::Value(flags.data(), 44));
  REQUIRE(scan(flags).IsCorruption());

  wal::WalScanResult missing;
  REQUIRE(wal::ScanWal(f.dir.path() + "/missing.wal", nullptr, &missing).IsNotFound());
}

TEST_CASE("a prefilled WAL reads as its frames, its zeros are no damage, Close cuts them") {
  Fixture f;
  const std::string path = f.layout.WalPath(f.key);
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE(wal::WalWriter::Create(f.layout, f.key, &w).ok());
  w->set_prefill(64 * 1024, 1 << 20);
  REQUIRE(w->Append(kHour, 2, Line(2)).ok());
  REQUIRE(w->Append(kHour, 3, Line(3)).ok());
  REQUIRE(w->Sync().ok());
  const uint64_t frames_end = w->size();

  // As a reader (or recovery after a crash) sees it while kpid writes.
  wal::WalScanResult live;
  std::vector<std::string> json;
  REQUIRE(f.Scan(&live, &json, path).size() == 2);
  CHECK(live.file_bytes > frames_end);  // the zeros ahead
  CHECK(live.valid_bytes == frames_end);
  CHECK(live.zero_tail);
  CHECK(live.tail_problem.empty());

  // A zero tail with one stray byte in it is damage again.
  std::string damaged = ReadWholeFile(path);
  damaged[damaged.size() - 1] = 'x';
  const std::string copy = f.dir.path() + "/damaged.wal";
  WriteWholeFile(copy, damaged);
  wal::WalScanResult bad;
  json.clear();
  f.Scan(&bad, &json, copy);
  CHECK_FALSE(bad.zero_tail);
  CHECK_FALSE(bad.tail_problem.empty());

  REQUIRE(w->Close().ok());
  CHECK(ReadWholeFile(path).size() == frames_end);
}

TEST_CASE("ScanWalFd reads a WAL through a held descriptor after it is unlinked") {
  Fixture f;
  const std::vector<uint64_t> ends = f.WriteRecords(3);
  const std::string path = f.layout.WalPath(f.key);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::unlink(path.c_str()) == 0);  // as kpid does once the WAL is sealed
  std::vector<uint64_t> seqs;
  wal::WalScanResult result;
  REQUIRE(wal::ScanWalFd(fd, path, [&](const wal::WalRecord& r) {
            seqs.push_back(r.seq);
            return true;
          }, &result).ok());
  ::close(fd);
  REQUIRE(seqs == std::vector<uint64_t>{2, 3, 4});
  REQUIRE(result.valid_bytes == ends.back());
  REQUIRE(result.key.writer == "a1");
}

TEST_CASE("Create refuses an existing WAL and Reopen appends after its end") {
  Fixture f;
  f.WriteRecords(1);
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE_FALSE(wal::WalWriter::Create(f.layout, f.key, &w).ok());
  REQUIRE(wal::WalWriter::Reopen(f.layout, f.key, &w).ok());
  REQUIRE(w->Append(kHour, 9, Line(9)).ok());
  REQUIRE(w->Close().ok());
  wal::WalScanResult result;
  REQUIRE(wal::ScanWal(f.layout.WalPath(f.key), nullptr, &result).ok());
  REQUIRE(result.records == 2);
}

TEST_CASE("a write that runs out of space leaves no partial frame and the writer usable") {
  Fixture f;
  testing::ScopedFaultFs fault_fs;
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE(wal::WalWriter::Create(f.layout, f.key, &w).ok());
  REQUIRE(w->Append(kHour, 2, Line(2)).ok());
  const uint64_t good = w->size();

  fault_fs.faults().append_no_space = true;
  REQUIRE(w->Append(kHour, 3, Line(3, std::string(500, 'y'))).IsNoSpace());
  REQUIRE(fault_fs.faults().appends_failed == 1);
  REQUIRE(w->size() == good);
  fault_fs.faults().append_no_space = false;

  REQUIRE(w->Append(kHour, 4, Line(4)).ok());
  REQUIRE(w->Sync().ok());
  fault_fs.faults().sync_io_error = true;
  REQUIRE_FALSE(w->Sync().ok());
  fault_fs.faults().sync_io_error = false;
  REQUIRE_FALSE(w->Append(kHour, 5, Line(5)).ok());  // broken after a failed sync
  REQUIRE_FALSE(w->Close().ok());

  wal::WalScanResult result;
  std::vector<uint64_t> seqs;
  REQUIRE(wal::ScanWal(
              f.layout.WalPath(f.key),
              [&](const wal::WalRecord& r) {
                seqs.push_back(r.seq);
                return true;
              },
              &result)
              .ok());
  REQUIRE(seqs == std::vector<uint64_t>{2, 4});
  REQUIRE(result.valid_bytes == result.file_bytes);
}

}  // namespace
}  // namespace kpi

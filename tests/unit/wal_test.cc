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

// A record of writer a1 (seq < 16) at `ts`, padded with `pad` bytes.
std::string Line(uint64_t seq, int64_t ts = kHour, size_t pad = 0) {
  return "{\"_id\":\"a1-" + std::string(15, '0') + "0123456789abcdef"[seq] +
         "\",\"timestamp\":" + std::to_string(ts) + ",\"pad\":\"" + std::string(pad, 'x') + "\"}";
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
      REQUIRE(w->Append(kHour + i, 2 + i, Line(2 + i, kHour + i, i)).ok());
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
    REQUIRE(json[i] == Line(2 + i, kHour + i, i));
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

// The kinds and offsets of a scan's problems, as wal.md §6 writes them.
std::vector<std::string> Problems(const wal::WalScanResult& result) {
  std::vector<std::string> out;
  for (const wal::WalProblem& p : result.problems) {
    out.push_back(std::string(p.damage() ? "damage " : "warning ") +
                  wal::WalProblem::KindName(p.kind) + " offset=" + std::to_string(p.offset));
  }
  return out;
}

TEST_CASE("a WAL cut at every byte yields exactly the frames that are whole") {
  Fixture f;
  const std::vector<uint64_t> ends = f.WriteRecords(3);
  const std::string whole = ReadWholeFile(f.layout.WalPath(f.key));
  const std::string cut = f.dir.path() + "/cut.wal";
  for (size_t len = 0; len <= whole.size(); ++len) {
    WriteWholeFile(cut, whole.substr(0, len));
    wal::WalScanResult result;
    REQUIRE(wal::ScanWal(cut, nullptr, &result).ok());
    INFO("cut at " << len);
    if (len < wal::kHeaderSize) {  // wal.md §2: never held a record; a warning
      REQUIRE(result.records == 0);
      REQUIRE(Problems(result) == std::vector<std::string>{"warning torn offset=0"});
      continue;
    }
    size_t whole_frames = 0;
    while (whole_frames + 1 < ends.size() && ends[whole_frames + 1] <= len) ++whole_frames;
    REQUIRE(result.records == whole_frames);
    REQUIRE(result.valid_bytes == ends[whole_frames]);
    REQUIRE(result.file_bytes == len);
    REQUIRE(result.tail_problem.empty() == (len == ends[whole_frames]));
    if (len != ends[whole_frames]) {
      REQUIRE(Problems(result) ==
              std::vector<std::string>{"warning torn offset=" + std::to_string(ends[whole_frames])});
    }
  }
}

TEST_CASE("a damaged frame before a valid one is damage, and the scan resumes there") {
  Fixture f;
  const std::vector<uint64_t> ends = f.WriteRecords(3);
  const std::string path = f.layout.WalPath(f.key);
  std::string damaged = ReadWholeFile(path);
  damaged[ends[1] + wal::kFrameHeaderSize + 3] ^= 0x20;  // frame 1's payload
  WriteWholeFile(path, damaged);
  wal::WalScanResult result;
  std::vector<std::string> json;
  const auto records = f.Scan(&result, &json, path);
  REQUIRE(records.size() == 2);
  CHECK(records[0].seq == 2);
  CHECK(records[1].seq == 4);
  CHECK(result.valid_bytes == ends[3]);  // recovery keeps the frame after the damage
  CHECK(result.tail_problem.empty());
  CHECK(Problems(result) == std::vector<std::string>{"damage frame offset=" + std::to_string(ends[1])});
  CHECK(result.problems[0].message.find("checksum") != std::string::npos);

  const int fd = ::open(path.c_str(), O_RDONLY);
  wal::WalRecord r;
  std::string line;
  const Status s = wal::ReadWalRecordAt(fd, path, ends[1], &r, &line);
  ::close(fd);
  REQUIRE(s.IsCorruption());
  REQUIRE(s.message().find(path) != std::string::npos);
}

TEST_CASE("a last frame with a length of zero or over 1 MiB is a torn tail") {
  Fixture f;
  const std::vector<uint64_t> ends = f.WriteRecords(3);
  const std::string path = f.layout.WalPath(f.key);
  const std::string whole = ReadWholeFile(path);
  for (uint32_t bad : {0u, wal::kMaxPayload + 1}) {
    std::string damaged = whole;
    EncodeFixed32(&damaged[ends[2] + 4], bad);
    WriteWholeFile(path, damaged);
    wal::WalScanResult result;
    REQUIRE(wal::ScanWal(path, nullptr, &result).ok());
    REQUIRE(result.records == 2);
    REQUIRE(result.tail_problem.find("length") != std::string::npos);
    REQUIRE(Problems(result) == std::vector<std::string>{"warning torn offset=" + std::to_string(ends[2])});
  }
}

TEST_CASE("a frame whose record disagrees with it is skipped and reported; seqs stay in the block") {
  Fixture f;
  const std::string path = f.layout.WalPath(f.key);
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE(wal::WalWriter::Create(f.layout, f.key, &w).ok());
  std::vector<uint64_t> offsets;
  auto append = [&](int64_t ts, uint64_t seq, const std::string& payload) {
    offsets.push_back(w->size());
    REQUIRE(w->Append(ts, seq, payload).ok());
  };
  append(kHour, 2, Line(2));
  append(kHour + 1, 3, Line(3));                    // payload timestamp differs
  append(kHour, 4, Line(5));                        // payload seq differs
  append(kHour, 6, "not json at all");              // CRC-valid, no record prefix
  append(kHour - 1, 7, Line(7, kHour - 1));         // outside the WAL's hour
  append(kHour, 8, "{\"_id\":\"b2-0000000000000008\",\"timestamp\":" + std::to_string(kHour) + "}");
  append(kHour, 9, Line(9));
  append(kHour, 1, Line(1));                        // the file's own seq, outside its block: still returned
  REQUIRE(w->Close().ok());
  wal::WalScanResult result;
  std::vector<std::string> json;
  const auto records = f.Scan(&result, &json, path);
  REQUIRE(records.size() == 3);
  CHECK(result.records == 3);
  std::vector<std::string> expected;
  for (size_t i : {1, 2, 3, 4, 5}) expected.push_back("damage record offset=" + std::to_string(offsets[i]));
  expected.push_back("damage order offset=" + std::to_string(offsets[7]));
  CHECK(Problems(result) == expected);
  CHECK(result.valid_bytes == result.file_bytes);
}

TEST_CASE("a damaged WAL header is reported and its frames are still read under the name's key") {
  Fixture f;
  f.WriteRecords(2);
  const std::string path = f.layout.WalPath(f.key);
  const std::string whole = ReadWholeFile(path);
  auto scan = [&](const std::string& bytes, wal::WalScanResult* result) {
    WriteWholeFile(path, bytes);
    return wal::ScanWal(path, nullptr, result);
  };
  auto header_damaged = [&](const std::string& bytes, const std::string& why) {
    wal::WalScanResult result;
    REQUIRE(scan(bytes, &result).ok());
    CHECK(result.header_damaged);
    CHECK(result.key == f.key);
    CHECK(result.records == 2);
    REQUIRE(Problems(result) == std::vector<std::string>{"damage header offset=0"});
    CHECK(result.problems[0].message.find(why) != std::string::npos);
  };
  std::string bad_magic = whole;
  bad_magic[0] = 'X';
  header_damaged(bad_magic, "magic");

  std::string bad_crc = whole;
  bad_crc[17] ^= 1;  // inside the seq
  header_damaged(bad_crc, "checksum");

  // Rewrites the header's checksum (version 2: at 60, of [0, 60)).
  auto resealed = [](std::string bytes) {
    EncodeFixed32(&bytes[60], crc32c::Value(bytes.data(), 60));
    return bytes;
  };
  std::string flags = whole;
  EncodeFixed16(&flags[6], 1);
  header_damaged(resealed(flags), "flags");

  std::string other_seq = whole;  // sound, but not the file's name
  EncodeFixed64(&other_seq[16], 77);
  header_damaged(resealed(other_seq), "name");

  for (int bits : {0, 3, 26}) {  // odd, or out of 2..24
    std::string order = whole;
    order[40] = static_cast<char>(bits);
    header_damaged(resealed(order), "order bits");
  }
  std::string reserved = whole;
  reserved[42] = 1;
  header_damaged(resealed(reserved), "reserved");

  std::string newer = whole;
  EncodeFixed16(&newer[4], 3);
  newer = resealed(newer);
  wal::WalScanResult result;
  REQUIRE(scan(newer, &result).code() == Status::Code::kUnsupported);

  wal::WalScanResult missing;
  REQUIRE(wal::ScanWal(f.dir.path() + "/missing.wal", nullptr, &missing).IsNotFound());
}

TEST_CASE("a version 1 WAL (48-byte header, increasing seqs) is still read") {
  Fixture f;
  f.WriteRecords(3);
  const std::string path = f.layout.WalPath(f.key);
  const std::string v2 = ReadWholeFile(path);
  // The same file as kpi wrote it before the record order: version 1, the
  // reserved u32 at 40, the checksum of [0, 44) at 44, frames from 48.
  std::string v1 = v2.substr(0, 48);
  EncodeFixed16(&v1[4], 1);
  EncodeFixed32(&v1[40], 0);
  EncodeFixed32(&v1[44], crc32c::Value(v1.data(), 44));
  v1 += v2.substr(wal::kHeaderSize);
  WriteWholeFile(path, v1);
  wal::WalScanResult result;
  std::vector<std::string> json;
  REQUIRE(f.Scan(&result, &json, path).size() == 3);
  CHECK(result.problems.empty());
  CHECK(result.header.version == 1);
  CHECK(result.header_bytes == wal::kHeaderSizeV1);
  CHECK(result.valid_bytes == v1.size());

  // Version 1's rule: a seq not above the previous one is `order`.
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE(wal::WalWriter::Reopen(f.layout, f.key, &w).ok());
  REQUIRE(w->Append(kHour, 3, Line(3)).ok());
  REQUIRE(w->Close().ok());
  REQUIRE(f.Scan(&result, &json, path).size() == 4);
  CHECK(Problems(result) == std::vector<std::string>{"damage order offset=" +
                                                     std::to_string(v1.size())});
}

TEST_CASE("a lone WAL with a damaged header is read without writer or hour checks") {
  Fixture f;
  f.WriteRecords(2);
  std::string bytes = ReadWholeFile(f.layout.WalPath(f.key));
  bytes[9] ^= 1;  // the hour: the checksum fails
  const std::string lone = f.dir.path() + "/copy.wal";
  WriteWholeFile(lone, bytes);
  wal::WalScanResult result;
  REQUIRE(wal::ScanWal(lone, nullptr, &result).ok());
  CHECK(result.records == 2);
  CHECK(result.key.writer.empty());
  CHECK(Problems(result) == std::vector<std::string>{"damage header offset=0"});
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
  CHECK(live.problems.empty());

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
  CHECK(Problems(bad) == std::vector<std::string>{"warning torn offset=" + std::to_string(frames_end)});

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
  testing::ScopedFaultFs fault_fs;  // before the fixture: its layout takes Default()
  Fixture f;
  std::unique_ptr<wal::WalWriter> w;
  REQUIRE(wal::WalWriter::Create(f.layout, f.key, &w).ok());
  REQUIRE(w->Append(kHour, 2, Line(2)).ok());
  const uint64_t good = w->size();

  fault_fs.faults().append_no_space = true;
  REQUIRE(w->Append(kHour, 3, Line(3, kHour, 500)).IsNoSpace());
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

// Compaction: every record and id kept, the store smaller, readers see each
// record exactly once at every step, including after a crash at each step.
#include <catch2/catch.hpp>

#include <boost/filesystem.hpp>
#include <cstdlib>
#include <fstream>
#include <set>

#include "libkpi/space/compactor.h"
#include "libkpi/env/file_system.h"
#include "libkpi/space/maintenance_lock.h"
#include "libkpi/read/segment_reader.h"
#include "space_test_util.h"

namespace {

using namespace space_test;
using kpi::CompactOptions;
using kpi::CompactResult;
using kpi::Compactor;
using kpi::StoreLayout;

const int64_t kHourA = kpi::FromCivil(2026, 11, 29, 18);
const int64_t kHourB = kHourA + kpi::kMsPerHour;

// Hour A: three writers, two segments each; hour B: one sealed segment.
std::vector<kpi::Record> BuildStore(const StoreLayout& layout) {
  std::vector<kpi::Record> all;
  uint64_t file_seq = 1000;
  for (const std::string writer : {"a1", "b2", "c3"}) {
    for (uint64_t part = 0; part < 2; ++part) {
      auto records = HourRecords(writer, 1 + part * 100, 60, kHourA);
      WriteSegment(layout, writer, file_seq++, records);
      all.insert(all.end(), records.begin(), records.end());
    }
  }
  auto b = HourRecords("a1", 500, 40, kHourB);
  WriteSegment(layout, "a1", file_seq++, b);
  all.insert(all.end(), b.begin(), b.end());
  return all;
}

CompactOptions Options(const std::string& dir) {
  CompactOptions o;
  o.data_dirs = {dir};
  o.zstd_level = 9;  // the default (19) is slow and changes nothing here
  o.sync = false;
  return o;
}

uint64_t StoreBytes(const StoreLayout& layout) {
  std::vector<kpi::ListedFile> files;
  REQUIRE(layout.ListSegments(kpi::kMinTimeMs, kpi::kMaxTimeMs, &files).ok());
  uint64_t n = 0;
  for (const auto& f : files) n += f.size;
  return n;
}

// The environment a crash child reads (see the hidden test below).
const char* kChildDirEnv = "KPI_COMPACT_TEST_DIR";

}  // namespace

TEST_CASE("compaction keeps every record and id and shrinks the store", "[compactor]") {
  TempDir dir;
  StoreLayout layout(dir.path());
  const auto records = BuildStore(layout);
  const auto before_lines = ReadLines({dir.path()});
  REQUIRE(before_lines == LinesOf(records));
  const uint64_t before_bytes = StoreBytes(layout);

  CompactResult result;
  REQUIRE(Compactor(Options(dir.path())).Run(&result).ok());
  REQUIRE(result.hours.size() == 2);
  CHECK(result.hours[0].inputs == 6);
  CHECK(result.hours[0].records == 360);
  CHECK(result.problems.empty());

  CHECK(ReadLines({dir.path()}) == before_lines);
  CHECK(StoreBytes(layout) < before_bytes);
  const auto names = SegmentNames(layout, kHourA);
  REQUIRE(names.size() == 1);
  CHECK(names[0] == "compact-0000000000000001.kpi.zst");

  std::unique_ptr<kpi::SegmentReader> reader;
  REQUIRE(kpi::SegmentReader::Open(layout.HourDir(kHourA) + "/" + names[0], &reader).ok());
  CHECK(reader->header().compacted());
  CHECK(reader->header().writer == "compact");
  CHECK(reader->header().superseded.size() == 6);
  CHECK(reader->record_count() == 360);
}

TEST_CASE("compaction is idempotent and merges new segments into the next compact seq",
          "[compactor]") {
  TempDir dir;
  StoreLayout layout(dir.path());
  auto records = BuildStore(layout);
  CompactResult result;
  REQUIRE(Compactor(Options(dir.path())).Run(&result).ok());
  const uint64_t bytes = StoreBytes(layout);

  REQUIRE(Compactor(Options(dir.path())).Run(&result).ok());
  CHECK(result.hours.empty());
  CHECK(result.hours_already_compact == 2);
  CHECK(StoreBytes(layout) == bytes);

  auto late = HourRecords("d4", 9000, 30, kHourA);
  WriteSegment(layout, "d4", 77, late);
  records.insert(records.end(), late.begin(), late.end());
  REQUIRE(Compactor(Options(dir.path())).Run(&result).ok());
  REQUIRE(result.hours.size() == 1);
  CHECK(SegmentNames(layout, kHourA) ==
        std::vector<std::string>{"compact-0000000000000002.kpi.zst"});
  CHECK(ReadLines({dir.path()}) == LinesOf(records));
}

TEST_CASE("compaction never touches WALs and compacts only the range", "[compactor]") {
  TempDir dir;
  StoreLayout layout(dir.path());
  auto records = BuildStore(layout);
  auto wal_records = HourRecords("z9", 1, 20, kHourA);
  const std::string wal = WriteWal(layout, "z9", 0, wal_records);
  records.insert(records.end(), wal_records.begin(), wal_records.end());

  CompactOptions o = Options(dir.path());
  o.range = kpi::TimeRange{kHourA, kHourB};
  CompactResult result;
  REQUIRE(Compactor(o).Run(&result).ok());
  REQUIRE(result.hours.size() == 1);
  CHECK(result.hours[0].hour_ms == kHourA);
  CHECK(boost::filesystem::exists(wal));
  CHECK(SegmentNames(layout, kHourB).size() == 1);
  CHECK(SegmentNames(layout, kHourB)[0] != "compact-0000000000000001.kpi.zst");
  CHECK(ReadLines({dir.path()}) == LinesOf(records));
}

TEST_CASE("a damaged input leaves its hour alone and is reported", "[compactor]") {
  TempDir dir;
  StoreLayout layout(dir.path());
  BuildStore(layout);
  auto names = SegmentNames(layout, kHourA);
  const std::string victim = layout.HourDir(kHourA) + "/" + names[2];
  std::unique_ptr<kpi::SegmentReader> reader;
  REQUIRE(kpi::SegmentReader::Open(victim, &reader).ok());
  kpi_test::FlipByte(victim, reader->blocks()[1].offset + 20);
  reader.reset();

  CompactResult result;
  REQUIRE(Compactor(Options(dir.path())).Run(&result).ok());
  REQUIRE(result.hours.size() == 1);  // hour B only
  CHECK(result.hours[0].hour_ms == kHourB);
  REQUIRE(!result.problems.empty());
  CHECK(result.problems[0].file == victim);
  CHECK(SegmentNames(layout, kHourA) == names);  // inputs intact, no output
}

TEST_CASE("a second compaction of the same data dir is refused with Busy", "[compactor]") {
  TempDir dir;
  StoreLayout layout(dir.path());
  BuildStore(layout);
  std::unique_ptr<kpi::MaintenanceLock> lock;
  REQUIRE(kpi::MaintenanceLock::Acquire({layout}, kpi::MaintenanceLock::IfDiskFull::kFail, &lock)
              .ok());
  CompactResult result;
  const kpi::Status s = Compactor(Options(dir.path())).Run(&result);
  CHECK(s.IsBusy());
  CHECK(s.message().find("compact.lock") != std::string::npos);
  CHECK(SegmentNames(layout, kHourA).size() == 6);
}

TEST_CASE("readers skip the inputs a compacted segment supersedes; roll-forward removes them",
          "[compactor]") {
  TempDir dir;
  StoreLayout layout(dir.path());
  const auto records = BuildStore(layout);
  // Keep copies of hour A's inputs, compact, then put the copies back: the
  // state a crash between publishing and unlinking leaves.
  const std::string hour_dir = layout.HourDir(kHourA);
  const std::string saved = dir.path() + "/saved";
  boost::filesystem::create_directories(saved);
  const auto names = SegmentNames(layout, kHourA);
  for (const auto& n : names) boost::filesystem::copy_file(hour_dir + "/" + n, saved + "/" + n);
  CompactResult result;
  REQUIRE(Compactor(Options(dir.path())).Run(&result).ok());
  for (const auto& n : names) boost::filesystem::copy_file(saved + "/" + n, hour_dir + "/" + n);
  // A compaction that died before publishing leaves its temp file.
  std::ofstream(hour_dir + "/.compact-0000000000000009.kpi.zst.tmp") << "partial";
  std::ofstream(hour_dir + "/.a1-00000000000003e8.kpi.zst.tmp") << "kpid's own";

  CHECK(ReadLines({dir.path()}) == LinesOf(records));
  kpi::RollForwardResult rolled;
  REQUIRE(kpi::FinishInterruptedCompactions(layout, kpi::TimeRange::All(), &rolled).ok());
  CHECK(rolled.inputs_removed == 6);
  CHECK(rolled.temps_removed == 1);
  CHECK(SegmentNames(layout, kHourA).size() == 1);
  CHECK(boost::filesystem::exists(hour_dir + "/.a1-00000000000003e8.kpi.zst.tmp"));
  CHECK(ReadLines({dir.path()}) == LinesOf(records));
}

// The child of the crash test: compacts the store named by the environment
// and is expected to die at KPI_CRASH_AT.
TEST_CASE("crash child: compact", "[.compact_crash_child]") {
  const char* dir = std::getenv(kChildDirEnv);
  REQUIRE(dir != nullptr);
  CompactResult result;
  REQUIRE(Compactor(Options(dir)).Run(&result).ok());
}

TEST_CASE("a crash at every step of compaction loses and doubles nothing", "[compactor]") {
  const char* point = GENERATE("segment.before_publish", "compact.published",
                               "compact.unlinked_one");
  CAPTURE(point);
  TempDir dir;
  StoreLayout layout(dir.path());
  const auto records = BuildStore(layout);
  const int status = RunChild("[.compact_crash_child]",
                              {{"KPI_CRASH_AT", point}, {kChildDirEnv, dir.path()}});
  REQUIRE(status == 86);
  // Meanwhile, before any recovery, readers see every record exactly once.
  CHECK(ReadLines({dir.path()}) == LinesOf(records));

  kpi::RollForwardResult rolled;
  REQUIRE(kpi::FinishInterruptedCompactions(layout, kpi::TimeRange::All(), &rolled).ok());
  CHECK(ReadLines({dir.path()}) == LinesOf(records));
  if (std::string(point) == "segment.before_publish") {
    CHECK(rolled.temps_removed == 1);
    CHECK(SegmentNames(layout, kHourA).size() == 6);
  } else {
    CHECK(SegmentNames(layout, kHourA).size() == 1);
  }
  // And the next compaction finishes the job.
  CompactResult result;
  REQUIRE(Compactor(Options(dir.path())).Run(&result).ok());
  CHECK(SegmentNames(layout, kHourA).size() == 1);
  CHECK(SegmentNames(layout, kHourB).size() == 1);
  CHECK(ReadLines({dir.path()}) == LinesOf(records));
}

TEST_CASE("a segment whose WAL still exists waits for the next compaction", "[compactor]") {
  TempDir dir;
  StoreLayout layout(dir.path());
  auto records = BuildStore(layout);
  // kpid crashed between publishing z9-0005 and unlinking its WAL.
  auto sealed = HourRecords("z9", 1, 20, kHourA);
  WriteSegment(layout, "z9", 5, sealed);
  const std::string wal = WriteWal(layout, "z9", 5, sealed);
  records.insert(records.end(), sealed.begin(), sealed.end());

  CompactResult result;
  REQUIRE(Compactor(Options(dir.path())).Run(&result).ok());
  REQUIRE(result.hours.size() == 2);
  CHECK(result.hours[0].inputs == 6);
  CHECK(SegmentNames(layout, kHourA) ==
        std::vector<std::string>{"compact-0000000000000001.kpi.zst", "z9-0000000000000005.kpi.zst"});
  CHECK(ReadLines({dir.path()}) == LinesOf(records));

  boost::filesystem::remove(wal);  // kpid's recovery
  REQUIRE(Compactor(Options(dir.path())).Run(&result).ok());
  CHECK(SegmentNames(layout, kHourA).size() == 1);
  CHECK(ReadLines({dir.path()}) == LinesOf(records));
}

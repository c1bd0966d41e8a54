// Purge: each limit removes exactly the expected hours, open hours (a WAL,
// the current hour) only with include_open and never under a running kpid,
// a dry run removes nothing, and emptied directories go.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/filesystem.hpp>
#include <fstream>

#include "libkpi/space/purger.h"
#include "space_test_util.h"

namespace {

using namespace space_test;
using kpi::PurgeOptions;
using kpi::PurgeResult;
using kpi::Purger;
using kpi::StoreLayout;

const int64_t kH0 = kpi::FromCivil(2026, 11, 29, 0);
int64_t Hour(int i) { return kH0 + i * kpi::kMsPerHour; }
// "Now" is 10:05 on that day: hour 10 is the current hour.
const int64_t kNow = Hour(10) + 5 * kpi::kMsPerMinute;

// Hours 0..5 sealed (hour 2 with two segments), hour 7 with a WAL of writer
// "w1" and a segment, hour 10 (current) with a segment.
struct Store {
  TempDir dir;
  StoreLayout layout{dir.path()};
  std::string wal;

  Store() {
    for (int h = 0; h <= 5; ++h) {
      WriteSegment(layout, "a1", 100 + h, HourRecords("a1", 1 + h * 100, 20, Hour(h)));
    }
    WriteSegment(layout, "b2", 300, HourRecords("b2", 1, 20, Hour(2)));
    WriteSegment(layout, "a1", 107, HourRecords("a1", 800, 20, Hour(7)));
    wal = WriteWal(layout, "w1", 0, HourRecords("w1", 1, 5, Hour(7)));
    WriteSegment(layout, "a1", 110, HourRecords("a1", 1100, 20, Hour(10)));
  }

  PurgeOptions Options() const {
    PurgeOptions o;
    o.data_dirs = {dir.path()};
    o.now_ms = kNow;
    o.sync = false;
    return o;
  }

  uint64_t HourBytes(int h) const {
    std::vector<kpi::ListedFile> files;
    REQUIRE(layout.ListSegments(Hour(h), Hour(h + 1), &files).ok());
    uint64_t n = 0;
    for (const auto& f : files) n += f.size;
    return n;
  }

  std::vector<int> HoursLeft() const {
    std::vector<int64_t> hours;
    REQUIRE(layout.ListHours(kpi::kMinTimeMs, kpi::kMaxTimeMs, &hours).ok());
    std::vector<int> out;
    for (int64_t h : hours) out.push_back(static_cast<int>((h - kH0) / kpi::kMsPerHour));
    return out;
  }
};

std::vector<int> Removed(const PurgeResult& r) {
  std::vector<int> out;
  for (const auto& u : r.removed) out.push_back(static_cast<int>((u.hour_ms - kH0) / kpi::kMsPerHour));
  return out;
}

}  // namespace

TEST_CASE("purge --before removes the hours that end by then", "[purger]") {
  Store s;
  PurgeOptions o = s.Options();
  o.before_ms = Hour(3) + 1;  // hour 3 does not end by then
  PurgeResult r;
  REQUIRE(Purger(o).Run(&r).ok());
  CHECK(Removed(r) == std::vector<int>{0, 1, 2});
  CHECK(r.segments_removed == 4);
  CHECK(s.HoursLeft() == std::vector<int>{3, 4, 5, 7, 10});
}

TEST_CASE("purge of a range removes the hours entirely inside it", "[purger]") {
  Store s;
  PurgeOptions o = s.Options();
  o.range = kpi::TimeRange{Hour(1) + 30 * kpi::kMsPerMinute, Hour(4)};
  PurgeResult r;
  REQUIRE(Purger(o).Run(&r).ok());
  CHECK(Removed(r) == std::vector<int>{2, 3});
  CHECK(s.HoursLeft() == std::vector<int>{0, 1, 4, 5, 7, 10});
}

TEST_CASE("purge --max-bytes removes the oldest hours until the store fits", "[purger]") {
  Store s;
  PurgeOptions o = s.Options();
  PurgeResult dry;
  o.dry_run = true;
  o.max_bytes = 1ull << 40;
  REQUIRE(Purger(o).Run(&dry).ok());
  CHECK(dry.removed.empty());
  const uint64_t store = dry.store_bytes_before;
  CHECK(store > s.HourBytes(0) + s.HourBytes(1));

  o.dry_run = false;
  o.max_bytes = store - s.HourBytes(0) - 1;  // one byte more than hour 0 must go
  const uint64_t expected = s.HourBytes(0) + s.HourBytes(1);
  PurgeResult r;
  REQUIRE(Purger(o).Run(&r).ok());
  CHECK(Removed(r) == std::vector<int>{0, 1});
  CHECK(r.bytes_removed == expected);
  CHECK(r.unmet.empty());
}

TEST_CASE("budgets skip open hours and say when they cannot be met", "[purger]") {
  Store s;
  PurgeOptions o = s.Options();
  o.max_bytes = 1;
  PurgeResult r;
  REQUIRE(Purger(o).Run(&r).ok());
  CHECK(Removed(r) == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(s.HoursLeft() == std::vector<int>{7, 10});
  CHECK(boost::filesystem::exists(s.wal));
  REQUIRE(r.unmet.size() == 1);
  CHECK(r.unmet[0].limit == kpi::PurgeLimit::kMaxBytes);
  CHECK(r.unmet[0].detail.find("open hours were not to be purged") != std::string::npos);
}

TEST_CASE("purge by free space: an unreachable goal takes every closed hour", "[purger]") {
  Store s;
  PurgeOptions o = s.Options();
  o.keep_free_bytes = 1;  // already met: nothing goes
  PurgeResult r;
  REQUIRE(Purger(o).Run(&r).ok());
  CHECK(r.removed.empty());

  o.keep_free_bytes.reset();
  o.keep_free_percent = 100;
  REQUIRE(Purger(o).Run(&r).ok());
  CHECK(Removed(r) == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(r.unmet.size() == 1);
  CHECK(boost::filesystem::exists(s.wal));
}

TEST_CASE("purge never removes WALs or the current hour without include_open", "[purger]") {
  Store s;
  PurgeOptions o = s.Options();
  o.before_ms = kpi::kMaxTimeMs;
  PurgeResult r;
  REQUIRE(Purger(o).Run(&r).ok());
  CHECK(s.HoursLeft() == std::vector<int>{7, 10});
  CHECK(boost::filesystem::exists(s.wal));
  CHECK(r.wals_removed == 0);
}

TEST_CASE("include_open is refused while a kpid holds the WAL's writer lock", "[purger]") {
  Store s;
  const std::string lock_dir = s.layout.WriterDir("w1");
  boost::filesystem::create_directories(lock_dir);
  const int fd = ::open((lock_dir + "/lock").c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);

  PurgeOptions o = s.Options();
  o.before_ms = kpi::kMaxTimeMs;
  o.include_open = true;
  PurgeResult r;
  const kpi::Status st = Purger(o).Run(&r);
  CHECK(st.IsBusy());
  CHECK(st.message().find("stop kpid") != std::string::npos);
  CHECK(s.HoursLeft() == std::vector<int>{0, 1, 2, 3, 4, 5, 7, 10});  // nothing removed

  ::close(fd);  // the kpid is gone
  REQUIRE(Purger(o).Run(&r).ok());
  CHECK(r.wals_removed == 1);
  CHECK(!boost::filesystem::exists(s.wal));
  CHECK(s.HoursLeft().empty());
}

TEST_CASE("a dry run lists what would go and removes nothing", "[purger]") {
  Store s;
  PurgeOptions o = s.Options();
  o.before_ms = Hour(6);
  o.dry_run = true;
  PurgeResult r;
  std::vector<int> seen;
  REQUIRE(Purger(o).Run(&r, [&](const kpi::PurgeUnit& u) {
    seen.push_back(static_cast<int>((u.hour_ms - kH0) / kpi::kMsPerHour));
  }).ok());
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(r.bytes_removed > 0);
  CHECK(s.HoursLeft() == std::vector<int>{0, 1, 2, 3, 4, 5, 7, 10});
}

TEST_CASE("purge removes emptied directories, keeps foreign files, needs a limit", "[purger]") {
  Store s;
  const std::string foreign = s.layout.HourDir(Hour(1)) + "/.a1-0000000000000065.kpi.zst.tmp";
  std::ofstream(foreign) << "kpid's seal in progress";
  PurgeOptions o = s.Options();
  o.before_ms = Hour(6);
  PurgeResult r;
  REQUIRE(Purger(o).Run(&r).ok());
  CHECK(!boost::filesystem::exists(s.layout.HourDir(Hour(0))));
  CHECK(boost::filesystem::exists(foreign));
  CHECK(boost::filesystem::exists(s.layout.SegmentsRoot()));

  o.before_ms.reset();
  CHECK(Purger(o).Run(&r).code() == kpi::Status::Code::kInvalidArgument);
}

TEST_CASE("purge of 3,000 segments in one hour unlinks them all", "[purger]") {
  TempDir dir;
  StoreLayout layout(dir.path());
  auto records = HourRecords("a1", 1, 1, Hour(0));
  WriteSegment(layout, "a1", 1, records);
  const std::string first = layout.SegmentPath(kpi::FileKey{Hour(0), "a1", 1});
  for (uint64_t seq = 2; seq <= 3000; ++seq) {
    boost::filesystem::create_hard_link(first, layout.SegmentPath(kpi::FileKey{Hour(0), "a1", seq}));
  }
  PurgeOptions o;
  o.data_dirs = {dir.path()};
  o.now_ms = kNow;
  o.before_ms = Hour(1);
  PurgeResult r;
  REQUIRE(Purger(o).Run(&r).ok());
  CHECK(r.segments_removed == 3000);
  CHECK(!boost::filesystem::exists(layout.HourDir(Hour(0))));
  // The whole day directory went with its only hour.
  CHECK(!boost::filesystem::exists(kpi::DirName(layout.HourDir(Hour(0)))));
}

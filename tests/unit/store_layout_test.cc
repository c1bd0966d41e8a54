// StoreLayout: names, parsing and listing by time range
// (format-spec/segment.md §6, wal.md §1).
#include "libkpi/format/store_layout.h"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "libkpi/util/time_util.h"

using namespace kpi;
namespace fs = boost::filesystem;

namespace {

const int64_t kHour = FromCivil(2026, 11, 29, 18);

class ScratchStore {
 public:
  ScratchStore()
      : root_((fs::temp_directory_path() / fs::unique_path("kpi-layout-%%%%-%%%%")).string()),
        layout_(root_ + "/") {
    REQUIRE(layout_.CreateDirectories().ok());
  }
  ~ScratchStore() {
    boost::system::error_code ec;
    fs::remove_all(root_, ec);
  }
  const StoreLayout& layout() const { return layout_; }
  void Touch(const std::string& path, size_t size = 3) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << std::string(size, 'x');
  }

 private:
  std::string root_;
  StoreLayout layout_;
};

std::vector<FileKey> Keys(const std::vector<ListedFile>& files) {
  std::vector<FileKey> keys;
  for (const auto& f : files) keys.push_back(f.key);
  return keys;
}

}  // namespace

TEST_CASE("segment and WAL paths follow the spec") {
  const StoreLayout layout("/data/");
  const FileKey key{kHour, "a1", 0x2a};
  CHECK(layout.data_dir() == "/data");
  CHECK(layout.SegmentPath(key) == "/data/segments/2026/11/29/18/a1-000000000000002a.kpi.zst");
  CHECK(layout.WalPath(key) == "/data/wal/20261129T18-a1-000000000000002a.wal");
  CHECK(layout.WriterDir("a1") == "/data/writers/a1");
  CHECK(StoreLayout::TempPathFor("/d/x/a1-1.kpi.zst") == "/d/x/.a1-1.kpi.zst.tmp");
  CHECK(StoreLayout::TempPathFor("a1-1.kpi.zst") == ".a1-1.kpi.zst.tmp");
}

TEST_CASE("file names parse back to their keys and nothing else parses") {
  const FileKey key{kHour, "compact", 7};
  CHECK(StoreLayout::ParseSegmentFileName(kHour, StoreLayout::SegmentFileName(key)) == key);
  CHECK(StoreLayout::ParseWalFileName(StoreLayout::WalFileName(key)) == key);
  for (const char* bad : {".a1-0000000000000001.kpi.zst.tmp", ".a1-0000000000000001.kpi.zst",
                          "a1-0000000000000001.kpi.zst.tmp", "A1-0000000000000001.kpi.zst",
                          "a1-000000000000000A.kpi.zst", "a1-1.kpi.zst", "-0000000000000001.kpi.zst",
                          "a1_0000000000000001.kpi.zst", "a1-0000000000000001.jsonl.zst"}) {
    INFO(bad);
    CHECK_FALSE(StoreLayout::ParseSegmentFileName(kHour, bad));
  }
  for (const char* bad : {"20261131T18-a1-0000000000000001.wal", "20261129T24-a1-0000000000000001.wal",
                          "+2026112T18-a1-0000000000000001.wal", "2026 129T18-a1-0000000000000001.wal",
                          "20261129T18-a1-0000000000000001.wal.tmp", ".20261129T18-a1-0000000000000001.wal",
                          "20261129T18-a1.wal", "20261129X18-a1-0000000000000001.wal"}) {
    INFO(bad);
    CHECK_FALSE(StoreLayout::ParseWalFileName(bad));
  }
}

TEST_CASE("segments are listed by hour range, sorted, ignoring foreign names") {
  ScratchStore store;
  const StoreLayout& layout = store.layout();
  const FileKey a{kHour, "a1", 2}, b{kHour, "a1", 1}, c{kHour + kMsPerHour, "b2", 1},
      d{FromCivil(2027, 1, 1, 0), "a1", 9};
  for (const FileKey& k : {a, b, c, d}) store.Touch(layout.SegmentPath(k));
  store.Touch(StoreLayout::TempPathFor(layout.SegmentPath(FileKey{kHour, "a1", 3})));
  store.Touch(layout.HourDir(kHour) + "/notes.txt");

  std::vector<ListedFile> files;
  REQUIRE(layout.ListSegments(kMinTimeMs, kMaxTimeMs, &files).ok());
  CHECK(Keys(files) == std::vector<FileKey>{b, a, c, d});
  CHECK(files[0].size == 3);
  CHECK(files[0].path == layout.SegmentPath(b));

  REQUIRE(layout.ListSegments(kHour + 59 * kMsPerMinute, kHour + kMsPerHour + 1, &files).ok());
  CHECK(Keys(files) == std::vector<FileKey>{b, a, c});
  REQUIRE(layout.ListSegments(kHour + kMsPerHour, kHour + 2 * kMsPerHour, &files).ok());
  CHECK(Keys(files) == std::vector<FileKey>{c});
  REQUIRE(layout.ListSegments(kHour - kMsPerHour, kHour, &files).ok());  // end is exclusive
  CHECK(files.empty());
  REQUIRE(layout.ListSegments(FromCivil(2026, 12, 31, 23), FromCivil(2027, 1, 1, 1), &files).ok());
  CHECK(Keys(files) == std::vector<FileKey>{d});
  REQUIRE(layout.ListSegments(kHour, kHour - 1, &files).ok());
  CHECK(files.empty());
}

TEST_CASE("hour directories with names the layout never writes are not listed twice") {
  ScratchStore store;
  const StoreLayout& layout = store.layout();
  const FileKey key{kHour, "a1", 1};
  store.Touch(layout.SegmentPath(key));
  const std::string day = layout.SegmentsRoot() + "/2026/11/29";
  store.Touch(day + "/6/a1-0000000000000002.kpi.zst");                       // not zero-padded
  store.Touch(layout.SegmentsRoot() + "/2026/11/31/18/a1-0000000000000003.kpi.zst");  // no such day
  store.Touch(layout.SegmentsRoot() + "/2026/11/29/18.old/a1-0000000000000004.kpi.zst");
  std::vector<int64_t> hours;
  REQUIRE(layout.ListHours(kMinTimeMs, kMaxTimeMs, &hours).ok());
  CHECK(hours == std::vector<int64_t>{kHour});
  std::vector<ListedFile> files;
  REQUIRE(layout.ListSegments(kMinTimeMs, kMaxTimeMs, &files).ok());
  CHECK(Keys(files) == std::vector<FileKey>{key});
}

TEST_CASE("listing an empty or missing store is empty, not an error") {
  const StoreLayout layout("/nonexistent/kpi-store");
  std::vector<ListedFile> files;
  CHECK(layout.ListSegments(kMinTimeMs, kMaxTimeMs, &files).ok());
  CHECK(layout.ListWals(kMinTimeMs, kMaxTimeMs, &files).ok());
  CHECK(files.empty());
}

TEST_CASE("WALs are listed by hour range and sorted") {
  ScratchStore store;
  const StoreLayout& layout = store.layout();
  const FileKey a{kHour, "a1", 5}, b{kHour + kMsPerHour, "a1", 6}, c{kHour, "a0", 9};
  for (const FileKey& k : {a, b, c}) store.Touch(layout.WalPath(k));
  store.Touch(layout.WalDir() + "/junk.wal");
  std::vector<ListedFile> files;
  REQUIRE(layout.ListWals(kMinTimeMs, kMaxTimeMs, &files).ok());
  CHECK(Keys(files) == std::vector<FileKey>{c, a, b});
  REQUIRE(layout.ListWals(kHour + kMsPerHour, kMaxTimeMs, &files).ok());
  CHECK(Keys(files) == std::vector<FileKey>{b});
}

TEST_CASE("ranges of a day or less list hour directories by name, wider ones walk; both agree") {
  ScratchStore store;
  const StoreLayout& layout = store.layout();
  std::vector<FileKey> keys;
  for (int h : {0, 1, 5, 23, 24, 30}) keys.push_back(FileKey{kHour + h * kMsPerHour, "a1", 1});
  for (const FileKey& k : keys) store.Touch(layout.SegmentPath(k));
  std::vector<ListedFile> files;
  // Exactly 24 hours (across midnight): listed by name.
  REQUIRE(layout.ListSegments(kHour + kMsPerHour, kHour + 25 * kMsPerHour, &files).ok());
  CHECK(Keys(files) == std::vector<FileKey>{keys[1], keys[2], keys[3], keys[4]});
  // 24 hours and 1 ms, ending inside hour 30: walked.
  REQUIRE(layout.ListSegments(kHour + 6 * kMsPerHour, kHour + 30 * kMsPerHour + 1, &files).ok());
  CHECK(Keys(files) == std::vector<FileKey>{keys[3], keys[4], keys[5]});
  // A range ending mid-hour includes that hour; one starting mid-hour too.
  REQUIRE(layout.ListSegments(kHour + 5 * kMsPerHour + 1, kHour + 23 * kMsPerHour + 1, &files).ok());
  CHECK(Keys(files) == std::vector<FileKey>{keys[2], keys[3]});
}

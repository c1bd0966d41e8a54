// The FileSystem seam reaches every component it is handed to: exports,
// tail cursors, compaction and purge take a FaultInjectingFileSystem passed
// in (never installed as the process default), read the files, listings,
// locks and clock through it, and fail with the injected error while every
// stored record stays readable exactly once.
#include <catch2/catch.hpp>

#include <cerrno>
#include <unistd.h>

#include "libkpi/env/output_sink.h"
#include "libkpi/read/tail_cursor.h"
#include "libkpi/space/compactor.h"
#include "libkpi/space/purger.h"
#include "space_test_util.h"
#include "testing/fault_injection.h"

namespace {

using namespace space_test;
using kpi::FaultInjectingFileSystem;
using kpi::FaultSpec;
using kpi::FsOp;
using kpi::Status;
using kpi::StoreLayout;

const int64_t kHour = kpi::FromCivil(2026, 11, 29, 18);

FaultSpec Fault(FsOp op, const std::string& path_part, int error = EIO) {
  FaultSpec f;
  f.op = op;
  f.error = error;
  f.path_contains = path_part;
  return f;
}

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Two writers' segments in one hour, and one segment two hours later.
void BuildStore(const StoreLayout& layout) {
  WriteSegment(layout, "a1", 10, HourRecords("a1", 1, 60, kHour));
  WriteSegment(layout, "b2", 20, HourRecords("b2", 1, 60, kHour));
  WriteSegment(layout, "a1", 30, HourRecords("a1", 200, 30, kHour + 2 * kpi::kMsPerHour));
}

void RequireInjected(const Status& s, const FaultInjectingFileSystem& fs) {
  INFO(s.ToString());
  REQUIRE_FALSE(s.ok());
  REQUIRE(s.message().find("injected fault: ") != std::string::npos);
  REQUIRE(fs.faults_injected() == 1);
}

}  // namespace

TEST_CASE("an export that runs out of space through its file system leaves no file", "[env]") {
  TempDir dir;
  FaultInjectingFileSystem fs;
  const std::string path = dir.path() + "/out.jsonl";
  fs.Inject(Fault(FsOp::kAppend, "out.jsonl", ENOSPC));
  std::unique_ptr<kpi::OutputSink> sink;
  REQUIRE(kpi::OutputSink::OpenFile(path, 3, &sink, &fs).ok());
  const std::string line(1000, 'x');
  Status s;
  for (int i = 0; i < 3000 && s.ok(); ++i) s = sink->AppendLine(line);  // 3 MB: past the buffer
  if (s.ok()) s = sink->Finish();
  RequireInjected(s, fs);
  REQUIRE(s.IsNoSpace());
  sink.reset();
  CHECK_FALSE(Exists(path));
  CHECK_FALSE(Exists(StoreLayout::TempPathFor(path)));
  CHECK(fs.calls(FsOp::kRemove) == 1);  // the temporary file, through the seam
}

TEST_CASE("a tail cursor whose replacement fails keeps the one saved before", "[env]") {
  TempDir dir;
  FaultInjectingFileSystem fs;
  const std::string path = dir.path() + "/cursor";
  kpi::TailCursor saved;
  saved.saved_ms = kHour;
  saved.floor["a1"] = 7;
  REQUIRE(saved.Save(path, &fs).ok());

  kpi::TailCursor next = saved;
  next.floor["a1"] = 9;
  fs.Inject(Fault(FsOp::kRename, "cursor"));
  RequireInjected(next.Save(path, &fs), fs);

  kpi::TailCursor loaded;
  bool found = false;
  REQUIRE(kpi::TailCursor::Load(path, &loaded, &found, &fs).ok());
  REQUIRE(found);
  CHECK(loaded.floor.at("a1") == 7);

  fs.Inject(Fault(FsOp::kOpenRead, "cursor"));
  const Status unreadable = kpi::TailCursor::Load(path, &loaded, &found, &fs);
  CHECK(unreadable.message().find(path) != std::string::npos);
  CHECK(fs.faults_injected() == 2);
}

TEST_CASE("compaction through a failing file system stops with the error and loses nothing",
          "[env]") {
  TempDir dir;
  const StoreLayout layout(dir.path());
  BuildStore(layout);
  const std::vector<std::string> before = ReadLines({dir.path()});
  REQUIRE(before.size() == 150);

  FaultInjectingFileSystem fs;
  SECTION("publishing the output fails") { fs.Inject(Fault(FsOp::kRename, ".compact-")); }
  SECTION("removing an input after publishing fails") { fs.Inject(Fault(FsOp::kRemove, "/b2-")); }
  SECTION("listing the hour fails") { fs.Inject(Fault(FsOp::kList, "/29/18")); }
  SECTION("the maintenance lock fails") { fs.Inject(Fault(FsOp::kLock, "compact.lock")); }
  SECTION("creating the hour's output fails for want of space") {
    fs.Inject(Fault(FsOp::kCreate, ".compact-", ENOSPC));
  }
  kpi::CompactOptions options;
  options.data_dirs = {dir.path()};
  options.zstd_level = 3;
  options.sync = false;
  options.fs = &fs;
  kpi::CompactResult result;
  RequireInjected(kpi::Compactor(options).Run(&result), fs);
  CHECK(ReadLines({dir.path()}) == before);

  // The next run, without faults, finishes the work and still keeps all.
  fs.ClearFaults();
  REQUIRE(kpi::Compactor(options).Run(&result).ok());
  CHECK(ReadLines({dir.path()}) == before);
}

TEST_CASE("purge reads its clock and removes its files through the given file system", "[env]") {
  TempDir dir;
  const StoreLayout layout(dir.path());
  BuildStore(layout);
  FaultInjectingFileSystem fs;
  kpi::PurgeOptions options;
  options.data_dirs = {dir.path()};
  options.before_ms = kHour + kpi::kMsPerHour;
  options.sync = false;
  options.fs = &fs;
  kpi::PurgeResult result;

  // By the file system's clock the hour is still being written: kept.
  fs.SetNowMs(kHour + 30 * 60 * 1000);
  REQUIRE(kpi::Purger(options).Run(&result).ok());
  CHECK(result.removed.empty());
  CHECK(ReadLines({dir.path()}).size() == 150);

  // Two hours later it is closed; the second unlink fails with EIO.
  fs.SetNowMs(kHour + 2 * kpi::kMsPerHour);
  fs.Inject(Fault(FsOp::kRemove, "/b2-"));
  const Status failed = kpi::Purger(options).Run(&result);
  RequireInjected(failed, fs);
  CHECK(failed.message().find("/b2-") != std::string::npos);
  CHECK(ReadLines({dir.path()}).size() == 90);  // a1's part of the hour went, b2's stays

  // The lock was released and the clock still says the hour is closed.
  REQUIRE(kpi::Purger(options).Run(&result).ok());
  CHECK(ReadLines({dir.path()}).size() == 30);
}

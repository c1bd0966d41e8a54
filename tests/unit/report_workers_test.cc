// ReportWorkers through BuildReport: a report read on several threads is the
// one read on one, byte for byte (figures whose weights do not sum exactly,
// a group past its cap of values, a filter, damage and its problems, in
// order), and workers stopped early shut down.
#include "libkpi/report/report_workers.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libkpi/read/segment_reader.h"
#include "libkpi/report/report_json.h"
#include "libkpi/report/report_query.h"
#include "store_test_util.h"
#include "testing/store_builder.h"

namespace {

using kpi::FromCivil;
using kpi::kMsPerHour;
using kpi::Record;
using kpi::StoreBuilder;

const int64_t kFrom = FromCivil(2026, 11, 29);
constexpr int kHours = 30;

void Replace(std::string* s, const std::string& from, const std::string& to) {
  const size_t at = s->find(from);
  if (at != std::string::npos) s->replace(at, from.size(), to);
}

// Generated records of one hour, made harder to sum and to group: weights
// like 1/0.3 whose sums depend on their order, and more languages than a
// group keeps (ReportSpec::kMaxGroupValues).
std::vector<Record> HourRecords(int hour, const std::string& writer, size_t count) {
  const int64_t from = kFrom + hour * kMsPerHour;
  std::vector<Record> records =
      kpi::GenerateRecords(hour + 1, from, from + kMsPerHour, writer, 1 + hour * 10000, count);
  for (size_t i = 0; i < records.size(); ++i) {
    std::string& json = records[i].json;
    if (i % 3 == 0) Replace(&json, "\"sample_rate\":1,", "\"sample_rate\":0.3,");
    if (i % 7 == 0) Replace(&json, "\"sample_rate\":1,", "\"sample_rate\":0.7,");
    if (i % 5 == 0) Replace(&json, "\"language\":\"", "\"language\":\"x" + std::to_string(i % 97));
  }
  return records;
}

// A store of kHours hours: sealed segments of two writers, WALs of a third
// in some hours, and one damaged block in hour 7.
void BuildStore(const std::string& dir) {
  kpi::SegmentWriterOptions small = StoreBuilder::Unsynced();
  small.block_bytes = 4096;
  StoreBuilder b(dir, small);
  std::string path;
  for (int h = 0; h < kHours; ++h) {
    const int64_t hour = kFrom + h * kMsPerHour;
    REQUIRE(b.WriteSegment({hour, "a1", 1}, HourRecords(h, "a1", 150 + 37 * (h % 4)), &path).ok());
    if (h % 3 == 0) REQUIRE(b.WriteSegment({hour, "b2", 1}, HourRecords(h, "b2", 90), &path).ok());
    if (h % 4 == 1) REQUIRE(b.WriteWal({hour, "c3", 1}, HourRecords(h, "c3", 60), &path).ok());
    if (h == 7) {
      std::unique_ptr<kpi::SegmentReader> reader;
      REQUIRE(kpi::SegmentReader::Open(path, &reader).ok());
      REQUIRE(reader->blocks().size() >= 3);
      const auto damaged = reader->blocks()[1];
      reader.reset();
      kpi_test::FlipByte(path, damaged.offset + damaged.compressed_size / 2);
    }
  }
}

struct Built {
  std::string json;
  std::vector<std::string> problems;
};

Built Report(const std::string& dir, size_t threads, std::vector<std::string> where = {}) {
  kpi::QueryArgs args;
  args.data_dirs = {dir};
  args.range = {"2026-11-29", "2026-12-01"};
  args.where = std::move(where);
  kpi::Query query;
  REQUIRE(kpi::Query::Parse(args, kFrom, &query).ok());
  kpi::ReportSpec spec;
  spec.period = kpi::ReportPeriod::kHour;
  for (const char* group : {"language", "user_agent.os", "screen_class"}) {
    REQUIRE(kpi::AddReportGroup(group, &spec).ok());
  }
  kpi::Report report;
  kpi::ReadProblems problems;
  REQUIRE(kpi::BuildReport(&query, spec, &report, &problems, threads).ok());
  Built built{kpi::RenderReportJson(report), {}};
  for (const kpi::ReadProblem& p : problems) built.problems.push_back(p.ToString());
  return built;
}

}  // namespace

TEST_CASE("a report read on several threads is the report read on one") {
  kpi_test::TempDir dir;
  BuildStore(dir.path());
  const Built one = Report(dir.path(), 1);
  REQUIRE(one.problems.size() == 1);  // the damaged block
  CHECK(one.json.find("\"Other\"") != std::string::npos);
  for (size_t threads : {2, 3, 7, 64}) {
    const Built many = Report(dir.path(), threads);
    CHECK(many.json == one.json);
    CHECK(many.problems == one.problems);
  }
}

TEST_CASE("workers apply the query's filter, each with its own copy") {
  kpi_test::TempDir dir;
  BuildStore(dir.path());
  const std::vector<std::string> where = {"new_account=true", "event_stream=screen.rp_info"};
  const Built one = Report(dir.path(), 1, where);
  CHECK(Report(dir.path(), 3, where).json == one.json);
  CHECK(one.json != Report(dir.path(), 1).json);
}

TEST_CASE("workers stopped before the consumer read everything shut down") {
  kpi_test::TempDir dir;
  BuildStore(dir.path());
  kpi::StreamOptions base;
  base.data_dirs = {dir.path()};
  base.range = kpi::TimeRange::All();
  std::vector<int64_t> hours;
  for (int h = 0; h < kHours; ++h) hours.push_back(kFrom + h * kMsPerHour);
  std::vector<kpi::RecordFilter> filters(2);
  kpi::ReportSpec spec;
  kpi::ReportWorkers workers(base, std::move(filters), spec, hours);
  const kpi::ReportBatch* batch = workers.Next();
  REQUIRE(batch != nullptr);
  CHECK(batch->size > 0);
  // The destructor stops the workers, blocked on full lanes by now.
}

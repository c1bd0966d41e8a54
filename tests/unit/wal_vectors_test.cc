// The golden WAL vectors and the store vector of format-spec/vectors: the
// WAL scan must return each WAL's records (in export order, its .jsonl) and
// report what its .expect says (wal.md §6); WalWriter must still write the
// good WAL byte for byte; and a store holding a compacted segment, one of its
// inputs and the WAL of the other reads as the compacted records, once.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "libkpi/read/hour_snapshot.h"
#include "libkpi/read/record_stream.h"
#include "testing/store_builder.h"
#include "tests/unit/segment_test_util.h"

using namespace kpi;

namespace {

const std::string kVectors = KPI_SOURCE_DIR "/format-spec/vectors/";

struct Expect {
  std::map<std::string, std::string> kv;
  std::vector<std::string> problems;
};

Expect ReadExpect(const std::string& name) {
  Expect e;
  std::istringstream in(test::ReadFileBytes(kVectors + name + ".expect"));
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    if (line.compare(0, eq, "problem") == 0) {
      if (line != "problem=none") e.problems.push_back(line.substr(eq + 1));
    } else {
      e.kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return e;
}

std::vector<Record> Records(const std::string& name) {
  return test::RecordsFromJsonl(test::ReadFileBytes(kVectors + name + ".jsonl"));
}

// Copies of wal-good, damaged as their .expect says.
const std::vector<std::string> kWalVectors = {"wal-good", "wal-torn", "wal-zero-prefill",
                                              "wal-bad-frame-crc", "wal-bad-header"};

}  // namespace

TEST_CASE("every golden WAL vector yields its .jsonl and reports its .expect") {
  std::vector<std::string> names = kWalVectors;
  names.push_back("wal-v1-good");  // frozen version 1: still read
  for (const std::string& name : names) {
    INFO(name);
    const Expect expect = ReadExpect(name);
    std::vector<Record> got;
    wal::WalScanResult result;
    ReadProblems problems;
    REQUIRE(ScanWalReporting(
                kVectors + name + ".wal", -1,
                [&](const wal::WalRecord& r) {
                  std::string_view id;
                  int64_t ts = 0;
                  REQUIRE(ParseRecordPrefix(r.json, &id, &ts));
                  got.push_back(Record{ts, *RecordId::Parse(id), std::string(r.json)});
                  return true;
                },
                &result, &problems)
                .ok());
    std::sort(got.begin(), got.end(), Record::OrderLess);  // export order
    std::vector<std::string> lines, expected_lines, report;
    for (const Record& r : got) lines.push_back(r.json);
    for (const Record& r : Records(name)) expected_lines.push_back(r.json);
    for (const ReadProblem& p : problems) report.push_back(p.ReportEntry());
    CHECK(lines == expected_lines);
    CHECK(got.size() == std::stoull(expect.kv.at("records")));
    CHECK(report == expect.problems);
  }
}

TEST_CASE("WalWriter reproduces the good WAL vector, and the others are copies of it damaged") {
  const Expect good = ReadExpect("wal-good");
  const FileKey key{std::stoll(good.kv.at("hour_ms")), good.kv.at("writer"),
                    std::stoull(good.kv.at("seq"))};
  RecordOrder::Key order_key;
  REQUIRE(RecordOrder::ParseKeyHex(good.kv.at("order_key"), &order_key));
  const RecordOrder order(std::stoi(good.kv.at("order_bits")), order_key);
  // Arrival i is the record whose seq wal.md §3.1 gives i: kpid's frame order.
  std::vector<Record> arrivals;
  for (uint64_t i = 0; arrivals.size() < Records("wal-good").size(); ++i) {
    for (const Record& r : Records("wal-good")) {
      if (r.id.seq == key.seq + 1 + order.Position(i)) arrivals.push_back(r);
    }
    REQUIRE(i < order.Capacity());
  }
  test::TempDir dir;
  StoreBuilder builder(dir.path());
  std::string path;
  REQUIRE(builder.WriteWalInArrivalOrder(key, order, arrivals, &path).ok());
  const std::string bytes = test::ReadFileBytes(path);
  CHECK(bytes == test::ReadFileBytes(kVectors + "wal-good.wal"));

  for (const std::string& name : kWalVectors) {
    INFO(name);
    const Expect e = ReadExpect(name);
    std::string damaged = bytes;
    if (e.kv.count("flip")) damaged[std::stoull(e.kv.at("flip"))] ^= 0x01;
    if (e.kv.count("truncate")) damaged.resize(std::stoull(e.kv.at("truncate")));
    if (e.kv.count("zeros")) damaged.append(std::stoull(e.kv.at("zeros")), '\0');
    CHECK(test::ReadFileBytes(kVectors + name + ".wal") == damaged);
  }
}

TEST_CASE("the store vector reads as its compacted records once, without problems") {
  StreamOptions options;
  options.data_dirs = {kVectors + "store-compacted-input"};
  options.range = TimeRange::All();
  RecordStream stream(options);
  std::vector<std::string> lines;
  while (stream.Next()) lines.emplace_back(stream.record().json);
  REQUIRE(stream.status().ok());
  CHECK(stream.problems().empty());
  std::vector<std::string> expected;
  for (const Record& r : Records("store-compacted-input")) expected.push_back(r.json);
  CHECK(lines == expected);
  CHECK(stream.stats().copies_skipped == 0);  // the snapshot left the input and the WAL out

  ReadProblems problems;
  HourSnapshot snapshot;
  REQUIRE(HourSnapshot::Open({StoreLayout(kVectors + "store-compacted-input")},
                             std::stoll(ReadExpect("wal-good").kv.at("hour_ms")), &snapshot,
                             &problems)
              .ok());
  REQUIRE(snapshot.files().size() == 1);  // the compacted segment alone
  CHECK(snapshot.skipped().size() == 2);  // the superseded input and the sealed WAL
}

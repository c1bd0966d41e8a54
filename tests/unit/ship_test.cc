// kpictl ship's library parts that need no server: the plan of which hours
// to ship, re-ship, drop or forget; the state file; the credentials file's
// checks; the ClickHouse columns, SQL and TabSeparated rows.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "libkpi/ship/clickhouse_client.h"
#include "libkpi/ship/clickhouse_credentials.h"
#include "libkpi/ship/clickhouse_rows.h"
#include "libkpi/ship/clickhouse_schema.h"
#include "libkpi/ship/ship_plan.h"
#include "libkpi/ship/ship_state.h"
#include "libkpi/ship/shipper.h"
#include "segment_test_util.h"

namespace {

using kpi::test::TempDir;
constexpr int64_t kHour = 3600000;
constexpr int64_t kH0 = 1361440800000;  // 2013-02-21T10:00Z

kpi::ShipState StateOf(std::map<int64_t, kpi::ShippedHour> hours) {
  kpi::ShipState state;
  state.target = "http://127.0.0.1:8123 kpi_records";
  state.hours = std::move(hours);
  return state;
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

bool IsInvalid(const kpi::Status& s) { return s.code() == kpi::Status::Code::kInvalidArgument; }

std::string Row(const std::string& json) {
  std::vector<kpi::ClickHouseColumn> columns;
  REQUIRE(kpi::ClickHouseColumns(kpi::Schema::Default(), &columns).ok());
  kpi::ClickHouseRowWriter writer(columns);
  std::string row;
  kpi::Status s = writer.AppendRow(json, &row);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return row;
}

}  // namespace

TEST_CASE("the plan ships new hours, reships changed ones and drops purged ones") {
  const std::vector<kpi::StoreHour> store = {
      {kH0, true, 11},              // shipped, unchanged
      {kH0 + kHour, true, 22},      // shipped, fingerprint changed (compaction, late segment)
      {kH0 + 2 * kHour, true, 33},  // never shipped
      {kH0 + 3 * kHour, false, 0},  // a WAL still open
      {kH0 + 4 * kHour, true, 55},  // in the state but ClickHouse lost its rows
      {kH0 + 5 * kHour, true, 66},  // rows in ClickHouse from a run that died before the state
  };
  const std::set<int64_t> clickhouse = {kH0, kH0 + kHour, kH0 + 5 * kHour,
                                        kH0 + 7 * kHour /* purged from the store */};
  const kpi::ShipState state = StateOf({{kH0, {10, 11}},
                                        {kH0 + kHour, {10, 21}},
                                        {kH0 + 4 * kHour, {10, 55}},
                                        {kH0 + 8 * kHour, {10, 88}} /* gone from both */,
                                        {kH0 + 100 * kHour, {10, 99}} /* outside the range */});
  const kpi::ShipPlan plan = kpi::PlanShipment(store, clickhouse, state, kH0, kH0 + 50 * kHour);
  CHECK(plan.unchanged == 1);
  CHECK(plan.open == 1);
  CHECK(plan.ship == std::vector<int64_t>{kH0 + 2 * kHour});
  CHECK(plan.reship == std::vector<int64_t>{kH0 + kHour, kH0 + 4 * kHour, kH0 + 5 * kHour});
  CHECK(plan.drop == std::vector<int64_t>{kH0 + 7 * kHour});
  CHECK(plan.forget == std::vector<int64_t>{kH0 + 8 * kHour});
}

TEST_CASE("an open hour is never dropped, even when ClickHouse has rows of it") {
  const kpi::ShipPlan plan =
      kpi::PlanShipment({{kH0, false, 0}}, {kH0}, kpi::ShipState(), 0, kH0 + kHour);
  CHECK(plan.drop.empty());
  CHECK(plan.open == 1);
}

TEST_CASE("fingerprints tell file lists apart") {
  const uint64_t a = kpi::FingerprintAdd(kpi::kFingerprintSeed, "a1-01.kpi.zst 100\n");
  const uint64_t b = kpi::FingerprintAdd(kpi::kFingerprintSeed, "compact-02.kpi.zst 90\n");
  CHECK(a != b);
  CHECK(kpi::FingerprintAdd(a, "b2-03.kpi.zst 10\n") != a);
}

TEST_CASE("hours to delete become contiguous ranges") {
  CHECK(kpi::HoursCondition({kH0 + kHour, kH0, kH0 + 5 * kHour}) ==
        "(timestamp >= 1361440800000 AND timestamp < 1361448000000) OR "
        "(timestamp >= 1361458800000 AND timestamp < 1361462400000)");
  CHECK(kpi::HoursCondition({}) == "0");
}

TEST_CASE("the state file round-trips, is private and rejects damage") {
  TempDir dir;
  const kpi::ShipState state = StateOf({{kH0, {500, 0x0123456789abcdefull}}, {kH0 + kHour, {7, 1}}});
  REQUIRE(state.Save(dir / "state").ok());
  struct stat st;
  REQUIRE(::stat((dir / "state").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  kpi::ShipState loaded;
  bool found = false;
  REQUIRE(kpi::ShipState::Load(dir / "state", &loaded, &found).ok());
  CHECK(found);
  CHECK(loaded.target == state.target);
  CHECK(loaded.hours == state.hours);

  // A symlink planted at the temporary name is refused, its target never written.
  REQUIRE(::symlink((dir / "target").c_str(), (dir / ".linked.tmp").c_str()) == 0);
  CHECK_FALSE(state.Save(dir / "linked").ok());
  CHECK(::access((dir / "target").c_str(), F_OK) != 0);

  REQUIRE(kpi::ShipState::Load(dir / "missing", &loaded, &found).ok());
  CHECK_FALSE(found);
  CHECK(loaded.hours.empty());

  for (const char* bad : {"", "kpi-tail-cursor 1\n", "kpi-ship-state 1\nhour 1 2\n",
                          "kpi-ship-state 1\nhour 1 2 zz\n", "kpi-ship-state 1\nwhat\n"}) {
    kpi::Status s = kpi::ShipState::Parse(bad, "f", &loaded);
    INFO(bad);
    CHECK(s.IsCorruption());
    CHECK(s.message().find("delete the file") != std::string::npos);
  }
}

TEST_CASE("credentials come only from a private file of the user") {
  TempDir dir;
  kpi::ClickHouseCredentials credentials;
  WriteFile(dir / "ok", "  kpi:pa:ss word \n", 0600);
  REQUIRE(kpi::LoadClickHouseCredentials(dir / "ok", &credentials).ok());
  CHECK(credentials.user == "kpi");
  CHECK(credentials.password == "pa:ss word");

  WriteFile(dir / "open", "kpi:secret-one\n", 0640);
  kpi::Status s = kpi::LoadClickHouseCredentials(dir / "open", &credentials);
  CHECK(IsInvalid(s));
  CHECK(s.message().find("chmod 600") != std::string::npos);
  CHECK(s.message().find("secret-one") == std::string::npos);

  WriteFile(dir / "nocolon", "secret-two\n", 0600);
  s = kpi::LoadClickHouseCredentials(dir / "nocolon", &credentials);
  CHECK(IsInvalid(s));
  CHECK(s.message().find("secret-two") == std::string::npos);

  REQUIRE(::symlink((dir / "ok").c_str(), (dir / "link").c_str()) == 0);
  CHECK(IsInvalid(kpi::LoadClickHouseCredentials(dir / "link", &credentials)));
  CHECK(IsInvalid(kpi::LoadClickHouseCredentials(dir.path(), &credentials)));
  CHECK(kpi::LoadClickHouseCredentials(dir / "missing", &credentials).IsNotFound());
}

TEST_CASE("URLs with credentials, paths or other schemes are refused") {
  std::unique_ptr<kpi::ClickHouseClient> client;
  for (const char* bad : {"http://u:p@127.0.0.1:8123", "ftp://127.0.0.1", "127.0.0.1:8123",
                          "http://127.0.0.1:8123/db", "http://127.0.0.1:99999", "http://"}) {
    INFO(bad);
    CHECK(IsInvalid(kpi::ClickHouseClient::Open(bad, {}, &client)));
  }
  REQUIRE(kpi::ClickHouseClient::Open("http://127.0.0.1/", {}, &client).ok());
  CHECK(client->url() == "http://127.0.0.1:8123");
  CHECK(kpi::UrlEncode("INSERT INTO t FORMAT TabSeparated") ==
        "INSERT%20INTO%20t%20FORMAT%20TabSeparated");
}

TEST_CASE("columns and SQL follow the schema") {
  std::vector<kpi::ClickHouseColumn> columns;
  REQUIRE(kpi::ClickHouseColumns(kpi::Schema::Default(), &columns).ok());
  REQUIRE(columns.size() == 17);
  CHECK(columns[0].name == "_id");
  CHECK(columns[1].type == "Int64");
  CHECK(columns[2].name == "event_stream");
  const std::string create = kpi::CreateTableSql("kpi.records", columns);
  CHECK(create.find("screen_size_width Nullable(Int64)") != std::string::npos);
  CHECK(create.find("new_account Nullable(UInt8)") != std::string::npos);
  CHECK(create.find("ENGINE = ReplacingMergeTree") != std::string::npos);
  CHECK(create.find("ORDER BY (timestamp, _id)") != std::string::npos);
  CHECK(kpi::CreateDistributedSql("kpi_records", "c", "kpi.local", columns)
            .find("Distributed(c, kpi, local, cityHash64(_id))") != std::string::npos);
  CHECK(kpi::IsPlainTableName("kpi.records_2"));
  CHECK_FALSE(kpi::IsPlainTableName("kpi.records; DROP TABLE x"));
  CHECK_FALSE(kpi::IsPlainTableName("2kpi"));
  CHECK_FALSE(kpi::IsPlainTableName("a.b.c"));
}

TEST_CASE("rows are TabSeparated with 0/1 booleans, NULLs and escapes") {
  const std::string row = Row(
      R"({"_id":"n1-07","timestamp":1361440800000,"event_stream":[["a\\b\"c",2721]],)"
      R"("new_account":false,"orphaned":true,"language":"en-US",)"
      R"("screen_size":{"width":640},"sample_rate":0.1,)"
      R"("user_agent":{"os":"Win\tdows","browser":"Fire\nfox","version":5.1}})");
  CHECK(row ==
        "n1-07\t1361440800000\t[[\"a\\\\\\\\b\\\\\"c\",2721]]\t\\N\t\\N\t0\ten-US\t\\N\t\\N\t1\t"
        "\\N\t640\t\\N\t0.1\tWin\\tdows\tFire\\nfox\t5.1\n");
}

TEST_CASE("values of another type become NULL, unknown members are counted") {
  std::vector<kpi::ClickHouseColumn> columns;
  REQUIRE(kpi::ClickHouseColumns(kpi::Schema::Default(), &columns).ok());
  kpi::ClickHouseRowWriter writer(columns);
  std::string row;
  REQUIRE(writer.AppendRow(R"({"_id":"x","timestamp":5,"number_emails":"three",)"
                           R"("new_account":1,"screen_size":7,"legacy":true})",
                           &row)
              .ok());
  std::string want = "x\t5";
  for (int i = 0; i < 15; ++i) want += "\t\\N";
  CHECK(row == want + "\n");
  CHECK(writer.mismatched_values() == 3);
  CHECK(writer.unknown_members() == 1);
  std::string before = row;
  CHECK(writer.AppendRow(R"({"_id":"y"})", &row).IsCorruption());  // no timestamp
  CHECK(writer.AppendRow(R"([1,2])", &row).IsCorruption());
  CHECK(writer.AppendRow(R"({"_id":"z","timestamp":1.5})", &row).IsCorruption());
  CHECK(row == before);
}

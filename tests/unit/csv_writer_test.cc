// CsvWriter: columns derived from the schema, flattened objects, RFC 4180
// quoting, --fields, and records the schema does not fully describe.
#include "libkpi/read/csv_writer.h"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>

#include "libkpi/env/output_sink.h"

namespace {

const std::string kRecord =
    R"({"_id":"n1-0000000000000007","timestamp":1361440800000,)"
    R"("event_stream":[["screen.rp_info",2721],["picker",40,5]],"email_type":"primary",)"
    R"("number_emails":3,"new_account":false,"language":"en-US",)"
    R"("screen_size":{"width":640,"height":480},"sample_rate":0.1,)"
    R"("user_agent":{"os":"Windows, \"NT\"","browser":"Fire\nfox","version":5.1}})";

std::unique_ptr<kpi::CsvWriter> Writer(const std::vector<std::string>& fields = {},
                                       const kpi::Schema& schema = kpi::Schema::Default()) {
  kpi::FieldProjection projection;
  REQUIRE(kpi::FieldProjection::Parse(fields, &projection).ok());
  std::unique_ptr<kpi::CsvWriter> writer;
  kpi::Status s = kpi::CsvWriter::Create(schema, &projection, &writer);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return writer;
}

std::string Row(kpi::CsvWriter* writer, const std::string& json) {
  std::string row;
  kpi::Status s = writer->FormatRow(json, &row);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return row;
}

}  // namespace

TEST_CASE("cells are quoted only when RFC 4180 requires it") {
  std::string row;
  kpi::AppendCsvCell(&row, "plain text; fine");
  CHECK(row == "plain text; fine");
  for (auto [cell, quoted] : std::vector<std::pair<std::string, std::string>>{
           {"a,b", "\"a,b\""},
           {"say \"hi\"", "\"say \"\"hi\"\"\""},
           {"two\nlines", "\"two\nlines\""},
           {"cr\r", "\"cr\r\""},
           {"\"", "\"\"\"\""}}) {
    row.clear();
    kpi::AppendCsvCell(&row, cell);
    CHECK(row == quoted);
  }
}

TEST_CASE("the default schema gives one column per leaf, in schema order") {
  auto writer = Writer();
  CHECK(writer->columns() ==
        std::vector<std::string>{"_id", "timestamp", "time", "event_stream", "email_type",
                                 "number_emails", "new_account", "language",
                                 "number_sites_logged_in", "number_sites_remembered",
                                 "orphaned", "rp_api", "screen_size.width",
                                 "screen_size.height", "sample_rate", "user_agent.os",
                                 "user_agent.browser", "user_agent.version"});
  CHECK(writer->HeaderRow().rfind("_id,timestamp,time,event_stream,", 0) == 0);
  CHECK(writer->HeaderRow().back() == '\r');
}

TEST_CASE("a row holds stored text, unescaped strings and empty missing members") {
  auto writer = Writer();
  CHECK(Row(writer.get(), kRecord) ==
        "n1-0000000000000007,1361440800000,2013-02-21T10:00:00Z,"
        "\"[[\"\"screen.rp_info\"\",2721],[\"\"picker\"\",40,5]]\",primary,3,false,en-US,"
        ",,,,640,480,0.1,\"Windows, \"\"NT\"\"\",\"Fire\nfox\",5.1\r");
  CHECK(writer->unknown_members() == 0);
}

TEST_CASE("null and a non-object where an object belongs are empty cells") {
  auto writer = Writer({"screen_size,language"});
  CHECK(writer->columns() ==
        std::vector<std::string>{"_id", "language", "screen_size.width", "screen_size.height"});
  CHECK(Row(writer.get(), R"({"_id":"a-1","language":null,"screen_size":7})") == "a-1,,,\r");
}

TEST_CASE("--fields chooses the columns; time goes with timestamp") {
  CHECK(Writer({"language"})->columns() == std::vector<std::string>{"_id", "language"});
  CHECK(Writer({"timestamp,-_id"})->columns() == std::vector<std::string>{"timestamp", "time"});
  auto no_events = Writer({"-event_stream,-user_agent"});
  CHECK(no_events->columns().size() == 14);  // 18 less event_stream and user_agent.*
  CHECK(Row(Writer({"user_agent,-_id"}).get(), kRecord) ==
        "\"Windows, \"\"NT\"\"\",\"Fire\nfox\",5.1\r");
}

TEST_CASE("a field added to the schema adds a column; unknown members are counted") {
  kpi::Schema schema = kpi::Schema::Default();
  std::string text = schema.source();
  // After the "orphaned" field's object, whatever it holds.
  const size_t field = text.find(R"("name": "orphaned")");
  REQUIRE(field != std::string::npos);
  const size_t at = text.find("},", field);
  REQUIRE(at != std::string::npos);
  text.insert(at + 2, R"({"name": "theme", "type": "enum", "values": ["dark"]},)");
  kpi::Schema extended = kpi::Schema::Default();
  REQUIRE(kpi::Schema::Parse(text, "test", &extended).ok());
  auto writer = Writer({}, extended);
  const auto& columns = writer->columns();
  auto orphaned = std::find(columns.begin(), columns.end(), "orphaned");
  REQUIRE(orphaned + 1 != columns.end());
  CHECK(orphaned[1] == "theme");

  auto plain = Writer();
  CHECK(Row(plain.get(), R"({"_id":"a-1","timestamp":5,"theme":"dark","x":{"y":1}})") ==
        "a-1,5,1970-01-01T00:00:00.005Z" + std::string(15, ',') + "\r");
  CHECK(plain->unknown_members() == 2);
}

TEST_CASE("a line that is not a JSON object is Corruption, not a crash") {
  auto writer = Writer();
  std::string row;
  for (std::string bad : {"", "[1,2]", "{\"_id\":", "nonsense", "{\"a\":1"}) {
    INFO(bad);
    CHECK(writer->FormatRow(bad, &row).code() == kpi::Status::Code::kCorruption);
  }
}

TEST_CASE("rows append to a buffer, which a bad line leaves as it was") {
  std::unique_ptr<kpi::CsvWriter> writer = Writer();
  const std::string first = Row(writer.get(), kRecord);
  std::string buffer = "kept\n";
  REQUIRE(writer->AppendFormattedRow(kRecord, &buffer).ok());
  CHECK(buffer == "kept\n" + first);
  const std::string before = buffer;
  CHECK(writer->AppendFormattedRow(R"({"_id":)", &buffer).code() == kpi::Status::Code::kCorruption);
  CHECK(buffer == before);
  std::string row = "stale";
  REQUIRE(writer->FormatRow(kRecord, &row).ok());  // FormatRow replaces
  CHECK(row == first);
}

TEST_CASE("an output sink keeps no part of a line whose builder fails") {
  char dir_template[] = "/tmp/csv_writer_test.XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/out.csv";
  std::unique_ptr<kpi::OutputSink> sink;
  REQUIRE(kpi::OutputSink::OpenFile(path, 3, &sink).ok());
  const auto append = [](const std::string& text, bool ok) {
    return [text, ok](std::string* buffer) {
      buffer->append(text);
      return ok ? kpi::Status::OK() : kpi::Status::Corruption("line 2: not a record");
    };
  };
  REQUIRE(sink->AppendLineBuiltBy(append("a,b\r", true)).ok());
  CHECK(sink->AppendLineBuiltBy(append("partial", false)).code() == kpi::Status::Code::kCorruption);
  REQUIRE(sink->AppendLineBuiltBy(append("c,d\r", true)).ok());
  CHECK(sink->bytes_in() == 10);
  REQUIRE(sink->Finish().ok());
  std::ifstream in(path, std::ios::binary);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(written == "a,b\r\nc,d\r\n");
  std::remove(path.c_str());
  rmdir(dir_template);
}

// CsvWriter's byte scanner against its simdjson path: for every line, the
// row, the status and the unknown-member count must be the same whichever path
// formats it; canonical records must take the scanner, anything it does not
// expect must fall back to simdjson.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "libkpi/read/csv_writer.h"
#include "libkpi/util/canonical_json_scanner.h"
#include "testing/record_generator.h"

namespace {

std::unique_ptr<kpi::CsvWriter> Writer(const std::vector<std::string>& fields = {}) {
  kpi::FieldProjection projection;
  REQUIRE(kpi::FieldProjection::Parse(fields, &projection).ok());
  std::unique_ptr<kpi::CsvWriter> writer;
  REQUIRE(kpi::CsvWriter::Create(kpi::Schema::Default(), &projection, &writer).ok());
  return writer;
}

enum class Path { kScanner, kSimdjson };

// Formats `line` both ways; checks they agree and returns which path
// FormatRow took.
class Differ {
 public:
  explicit Differ(const std::vector<std::string>& fields = {})
      : fields_(fields), scanning_(Writer(fields)), parsing_(Writer(fields)) {}

  Path Check(const std::string& line) {
    INFO("line: " << line);
    std::string scanned_row = "stale";
    std::string parsed_row = "stale";
    const uint64_t scanned_before = scanning_->scanned_rows();
    const kpi::Status scanned = scanning_->FormatRow(line, &scanned_row);
    const kpi::Status parsed = parsing_->FormatParsedRow(line, &parsed_row);
    CHECK(scanned.ToString() == parsed.ToString());
    if (scanned.ok() && parsed.ok()) CHECK(scanned_row == parsed_row);
    CHECK(scanning_->unknown_members() == parsing_->unknown_members());
    // A writer that saw nothing before: the result depends on the line
    // alone, not on the lines (and parser padding) that came before it.
    std::unique_ptr<kpi::CsvWriter> fresh = Writer(fields_);
    std::string fresh_row = "stale";
    const kpi::Status fresh_status = fresh->FormatParsedRow(line, &fresh_row);
    CHECK(fresh_status.ToString() == parsed.ToString());
    if (fresh_status.ok() && parsed.ok()) CHECK(fresh_row == parsed_row);
    return scanning_->scanned_rows() > scanned_before ? Path::kScanner : Path::kSimdjson;
  }

 private:
  std::vector<std::string> fields_;
  std::unique_ptr<kpi::CsvWriter> scanning_;
  std::unique_ptr<kpi::CsvWriter> parsing_;
};

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(KPI_SOURCE_DIR) + "/tests/fixtures/" + name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A fixture blob as kpid would store it (id n1-...01).
std::string Canonical(const std::string& blob) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(blob).get(root) == simdjson::SUCCESS);
  kpi::CanonicalizeContext ctx;
  ctx.now_ms = 4102444800000;  // 2100: every fixture's timestamp is before it
  kpi::CanonicalBlob canonical;
  kpi::FieldError error;
  INFO(error.field << ": " << error.reason);
  REQUIRE(kpi::Schema::Default().Canonicalize(root, ctx, &canonical, &error));
  return R"({"_id":"n1-0000000000000001",)" + canonical.body;
}

const std::string kHead = R"({"_id":"n1-0000000000000007","timestamp":1361440800000)";

}  // namespace

TEST_CASE("generated canonical records take the scanner and match simdjson") {
  for (const std::vector<std::string>& fields : std::vector<std::vector<std::string>>{
           {}, {"language"}, {"-event_stream"}, {"user_agent,-_id"}, {"screen_size,timestamp"}}) {
    Differ differ(fields);
    kpi::RecordGenerator generator(16, 1764460800000, 1764460800000 + 30 * 86400000LL);
    for (uint64_t seq = 0; seq < 2000; ++seq) {
      CHECK(differ.Check(generator.NextRecord("g1", seq).json) == Path::kScanner);
    }
  }
}

TEST_CASE("fixture blobs: canonical ones scanned, pretty-printed ones parsed, same rows") {
  Differ differ;
  for (const char* name : {"dialog-blob.json", "seed-blob.json"}) {
    INFO(name);
    const std::string blob = Fixture(name);
    REQUIRE(!blob.empty());
    CHECK(differ.Check(Canonical(blob)) == Path::kScanner);
    // White space: not what the scanner expects, so simdjson formats it.
    CHECK(differ.Check(blob) == Path::kSimdjson);
  }
}

TEST_CASE("escapes, unicode, nulls, empty arrays and numbers are scanned exactly") {
  Differ differ;
  for (const std::string tail : {
           R"(,"language":"a\"b\\c\/d\b\f\n\r\t"})",
           R"(,"language":"\u00e9\u0001\u0000\u20ac\u0041","user_agent":{"os":"\u002C"}})",
           R"(,"language":"日本語é","user_agent":{"os":"Ünïcode","browser":"ok"}})",
           R"(,"event_stream":[],"screen_size":{}})",
           R"(,"event_stream":[5],"number_emails":null,"language":null,"user_agent":null})",
           R"(,"event_stream":[["a\"b",1],{"k":"\\"}],"email_type":"x,y"})",
           R"(,"sample_rate":-0,"number_emails":1.5e-3,"number_sites_logged_in":1E+21})",
           R"(,"sample_rate":0.1,"number_emails":-12,"orphaned":true,"new_account":false})",
           R"(,"screen_size":7,"user_agent":"x","rp_api":[1,{"a":[true,null]}]})",
           R"(,"language":{"nested":"object"},"email_type":["a","b"]})",
           R"(,"theme":"unknown member","x":{"y":[1,2]},"user_agent":{"z":1,"os":"o"}})",
           R"(,"user_agent":{"version":5.1,"os":"Windows, \"NT\""},"language":"late"})",
           R"(,"language":"first","language":"second"})",  // duplicates: the last wins
           R"(,"language":5,"language":"a,b","number_emails":[1,2],"number_emails":"c,d"})",
           R"(,"language":"a,b","language":null,"email_type":true,"email_type":null})",
           // event_stream's block scan (event_array_scanner.h), then its edges
           R"(,"event_stream":[["a",0],["b",10,0],["",7]],"language":"x"})",
           R"(,"event_stream":[["a",123456789012345678901234567890]]})",
           R"(,"event_stream":[["]],[",1],["a\"b",2],["é",3],["c",-4]]})",
           R"(})",
       }) {
    CHECK(differ.Check(kHead + tail) == Path::kScanner);
  }
  // Members in any order (a second writer may vary it, segment.md §2.2).
  CHECK(differ.Check(R"({"timestamp":5,"language":"de","_id":"a-1"})") == Path::kScanner);
  CHECK(differ.Check("{}") == Path::kScanner);
}

TEST_CASE("anything the scanner does not expect goes to simdjson, with the same result") {
  Differ differ;
  for (const std::string tail : {
           R"(, "language":"de"})",               // white space
           R"(,"language" :"de"})",
           R"(,"lang\u0075age":"de"})",           // an escaped key
           R"(,"language":"\ud83d\ude00"})",      // a surrogate pair
           R"(,"language":"\ud83d"})",            // a lone surrogate
           "\x2c\"language\":\"a\x01\"}",         // a raw control byte
           "\x2c\"language\":\"\xff\xfe\"}",      // not UTF-8
           "\x2c\"language\":\"\xc3\"}",          // truncated UTF-8
           R"(,"language":"\x"})",                // an unknown escape
           R"(,"language":"\u12"})",
           R"(,"number_emails":01})",
           R"(,"number_emails":1.})",
           R"(,"number_emails":.5})",
           R"(,"number_emails":-})",
           R"(,"number_emails":1e})",
           R"(,"orphaned":tru})",
           R"(,"orphaned":nul})",
           R"(,"event_stream":[1,]})",
           R"(,"event_stream":[["a",01]]})",
           R"(,"event_stream":[["a",1],]})",
           R"(,"event_stream":[["a",1]})",
           R"(,"event_stream":[1 2]})",
           R"(,"event_stream":{"a"}})",
           R"(,"language":"de"} trailing)",
           R"(,"language":"de"}})",
           R"(,"language":"de")",
           R"(,})",
       }) {
    CHECK(differ.Check(kHead + tail) == Path::kSimdjson);
  }
  std::string deep = kHead + R"(,"event_stream":)";
  for (int i = 0; i < 40; ++i) deep += '[';
  for (int i = 0; i < 40; ++i) deep += ']';
  CHECK(differ.Check(deep + "}") == Path::kSimdjson);
  for (const std::string bad : {"", "[1,2]", "{\"_id\":", "nonsense", "{\"a\":1", " {}"}) {
    CHECK(differ.Check(bad) == Path::kSimdjson);
  }
}

TEST_CASE("every prefix and every one-byte change of a record: both paths agree") {
  Differ differ;
  kpi::RecordGenerator generator(7, 1764460800000, 1764547200000);
  const std::string record = generator.NextRecord("m1", 1).json;
  // Longest first, each after the whole record: stale bytes of a longer
  // line in the parser's padding once changed simdjson's verdict.
  for (size_t size = record.size() + 1; size-- > 0;) {
    differ.Check(record);
    differ.Check(record.substr(0, size));
  }
  for (size_t at = 0; at < record.size(); ++at) {
    for (char c : {'"', '\\', ',', '}', ']', ' ', '\x01', '\xff', 'u', '0', 'e', '-'}) {
      std::string changed = record;
      changed[at] = c;
      differ.Check(changed);
    }
  }
}

TEST_CASE("the scanner reads values to their last byte") {
  kpi::CanonicalJsonScanner scanner(R"("k":[1,"a\"",{"b":null}],"s":"x\\y")");
  std::string_view key;
  kpi::ScannedJson value;
  REQUIRE(scanner.ReadKey(&key));
  CHECK(key == "k");
  REQUIRE(scanner.ReadValue(&value));
  CHECK(value.type == kpi::ScannedJson::kArray);
  CHECK(value.text() == R"([1,"a\"",{"b":null}])");
  REQUIRE(scanner.Consume(','));
  REQUIRE(scanner.ReadKey(&key));
  REQUIRE(scanner.ReadValue(&value));
  CHECK(value.type == kpi::ScannedJson::kString);
  CHECK(value.escaped);
  std::string unescaped;
  CHECK(kpi::AppendUnescapedJson(value.text(), &unescaped));
  CHECK(unescaped == "x\\y");
  CHECK(scanner.AtEnd());
}

// ClickHouseRowWriter: stored record lines as rows of ClickHouse's
// TabSeparated format, in the columns of ClickHouseColumns.
//
// Cells: absent members and null are \N; booleans 0/1; integers and numbers
// as their stored JSON text; strings unescaped from JSON, then escaped for
// TabSeparated (\\, \t, \n, \r, \0 and \b, \f as backslash sequences);
// event_stream as its stored JSON text, escaped the same way. A value whose
// JSON type does not fit its column (a record stored under an older schema)
// becomes \N and is counted in mismatched_values(), so one odd record never
// makes ClickHouse reject an hour. Members the schema does not name are
// left out and counted in unknown_members().
//
// Thread-safety: not thread-safe (a parser inside); one writer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/util/json_line_parser.h"
#include "libkpi/ship/clickhouse_schema.h"
#include "libkpi/util/status.h"

namespace kpi {

// Appends `text` to *out escaped for a TabSeparated cell.
void AppendTsvEscaped(std::string* out, std::string_view text);

class ClickHouseRowWriter {
 public:
  explicit ClickHouseRowWriter(const std::vector<ClickHouseColumn>& columns);

  // Appends the row of one stored record line (ending in '\n') to *out.
  // Corruption if the line is not a JSON object or lacks _id or timestamp;
  // *out is then unchanged.
  Status AppendRow(std::string_view json, std::string* out);

  uint64_t unknown_members() const { return unknown_members_; }
  uint64_t mismatched_values() const { return mismatched_values_; }

 private:
  // A member at some level of a record: a leaf's column, or an object's fields.
  struct Node {
    std::string name;
    int column = -1;
    ClickHouseColumn::Kind kind = ClickHouseColumn::Kind::kString;
    std::vector<Node> children;
  };

  void AddColumn(const ClickHouseColumn& column, int index);
  simdjson::error_code FillObject(const std::vector<Node>& nodes,
                                  simdjson::ondemand::object object);
  simdjson::error_code FillValue(const Node& node, simdjson::ondemand::value value);

  std::vector<Node> members_;
  std::vector<std::string> cells_;
  std::vector<bool> present_;
  std::vector<std::string> names_;
  std::vector<bool> nullable_;  // else the record must hold it (_id, timestamp)
  JsonLineParser parser_;
  uint64_t unknown_members_ = 0;
  uint64_t mismatched_values_ = 0;
};

}  // namespace kpi

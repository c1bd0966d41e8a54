// CsvWriter: stored record lines as CSV rows (RFC 4180) for spreadsheets and
// tools that want a flat table.
//
// Columns, in this order:
//   _id          the record id, for deduplication on re-import
//   timestamp    Unix milliseconds, as stored
//   time         the same instant in ISO 8601 UTC ("2013-02-21T10:00:00Z";
//                milliseconds only when not zero), for people and spreadsheets
//   then every schema field in schema order, objects flattened to dotted
//   names (screen_size.width, user_agent.os, ...): derived from the schema
//   (schema_columns.h), so a field added to the schema adds a column.
// Cells: strings unescaped; numbers and booleans as their stored JSON text
// (true/false); structured values (event_stream) as their stored JSON text;
// a missing member or null is an empty cell. Members the schema does not name
// (records stored under an older schema) have no column; unknown_members()
// counts them so the caller can say so.
//
// A projection (kpictl's --fields) keeps only the columns of the top-level
// members it keeps; `time` goes with `timestamp`.
//
// Canonical records (format-spec/segment.md §2.2) are read by a byte scanner
// (CanonicalJsonScanner) that takes each member's text where it lies; any
// line it does not accept goes through simdjson instead, which gives the same
// cells for everything the scanner accepts (tests/unit/csv_scan_test.cc).
//
// Quoting per RFC 4180: a cell holding a comma, a double quote, CR or LF is
// enclosed in double quotes with its quotes doubled. Rows end in CRLF: the
// rows produced here end in CR and OutputSink::AppendLine adds the LF.
//
// Thread-safety: not thread-safe (a parser inside); one writer per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/read/field_projection.h"
#include "libkpi/util/canonical_json_scanner.h"
#include "libkpi/util/json_line_parser.h"
#include "libkpi/ingest/schema.h"
#include "libkpi/ingest/schema_columns.h"
#include "libkpi/util/status.h"

namespace kpi {

// Appends `cell` to *row, quoted if RFC 4180 requires it.
void AppendCsvCell(std::string* row, std::string_view cell);

class CsvWriter {
 public:
  // `projection` may be null or empty: every column. It is only consulted
  // here, not kept.
  static Status Create(const Schema& schema, FieldProjection* projection,
                       std::unique_ptr<CsvWriter>* writer);

  // The column names, in order.
  const std::vector<std::string>& columns() const { return columns_; }
  // The header row (ends in CR, like every row).
  std::string HeaderRow() const;
  // Formats one stored record line into *row, replacing its contents.
  // Corruption if the line is not a JSON object.
  Status FormatRow(std::string_view json, std::string* row);
  // FormatRow, the row appended to what *out holds (unchanged on an error).
  Status AppendFormattedRow(std::string_view json, std::string* out);
  // FormatRow through simdjson only, never the scanner: the reference the
  // scanner is tested against.
  Status FormatParsedRow(std::string_view json, std::string* row);

  // How many rows the scanner formatted, and how many went through simdjson.
  uint64_t scanned_rows() const { return scanned_rows_; }
  uint64_t parsed_rows() const { return parsed_rows_; }

  uint64_t unknown_members() const { return unknown_members_; }

 private:
  // A member at some level of a record: its column (-1 when an object, or
  // when the projection drops it) and, for objects, its fields.
  struct Node {
    std::string name;
    // "name": as a canonical record spells it, then 32 NULs (see
    // CanonicalJsonScanner::ConsumePaddedBytes).
    std::string padded_key;
    size_t key_size = 0;
    std::string_view key() const { return std::string_view(padded_key.data(), key_size); }
    int column = -1;
    bool kept = true;
    std::vector<Node> children;
  };

  CsvWriter() = default;
  void AddNode(const SchemaColumn& column, bool kept, std::vector<Node>* nodes);
  simdjson::error_code FillObject(const std::vector<Node>& nodes,
                                  simdjson::ondemand::object object);
  simdjson::error_code FillValue(const Node& node, simdjson::ondemand::value value);
  void FillTime();
  void AppendRow(std::string* out);
  Status AppendParsedRow(std::string_view json, std::string* out);
  // Fills cells_ from a line the scanner accepts; false for any other line
  // (cells_ are then partly filled and unknown_members_ unchanged).
  bool ScanRecord(std::string_view json);
  bool ScanObject(const std::vector<Node>& nodes, CanonicalJsonScanner* scanner,
                  uint64_t* unknown);
  bool ScanValue(const Node& node, CanonicalJsonScanner* scanner, uint64_t* unknown);

  std::vector<Node> members_;  // top level: _id, timestamp, schema fields
  std::vector<std::string> columns_;
  int timestamp_column_ = -1;
  int time_column_ = -1;
  // Views into the line or the parser's string buffer, valid during one
  // FormatRow: copying each cell was 8% of a CSV export's samples.
  std::vector<std::string_view> cells_;
  // Cells to append as they are (non-zero): quoted by the scanner already
  // (structured values, into quoted_) or never needing quotes (numbers,
  // booleans, strings without a comma); 2 when also short and inside the
  // line (see AppendRow).
  std::vector<char> final_cells_;
  int64_t time_ms_ = -1;  // the instant time_text_ spells: records share timestamps
  std::string time_text_;
  // Unescaped strings and quoted structured values of the scanned record,
  // sized for the worst case up front so that cells_ may point into them.
  std::string unescaped_;
  std::string quoted_;
  size_t quoted_size_ = 0;
  JsonLineParser parser_;
  uint64_t unknown_members_ = 0;
  uint64_t scanned_rows_ = 0;
  uint64_t parsed_rows_ = 0;
};

}  // namespace kpi

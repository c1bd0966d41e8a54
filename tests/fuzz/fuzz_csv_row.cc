// Fuzz target: CsvWriter::FormatRow, whose byte scanner formats canonical
// record lines without simdjson and hands every other line to simdjson.
//
// Input: one record line, any bytes.
// Invariant: FormatRow (scanner, else simdjson) and FormatParsedRow (simdjson
// only) agree on the status, the row and the unknown-member count.
#include <memory>
#include <string>

#include "libkpi/read/csv_writer.h"
#include "tests/fuzz/fuzz_util.h"

namespace kpi::fuzz {
namespace {

std::unique_ptr<CsvWriter> NewCsvWriter() {
  std::unique_ptr<CsvWriter> writer;
  FuzzCheck(CsvWriter::Create(Schema::Default(), nullptr, &writer).ok(), "no CSV writer");
  return writer;
}

}  // namespace

int FuzzCsvRow(const uint8_t* data, size_t size) {
  static const std::unique_ptr<CsvWriter> scanning = NewCsvWriter();
  static const std::unique_ptr<CsvWriter> parsing = NewCsvWriter();
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  std::string scanned_row;
  std::string parsed_row;
  const Status scanned = scanning->FormatRow(line, &scanned_row);
  const Status parsed = parsing->FormatParsedRow(line, &parsed_row);
  FuzzCheck(scanned.ToString() == parsed.ToString(), "scanner and simdjson disagree on status");
  FuzzCheck(!scanned.ok() || scanned_row == parsed_row, "scanner and simdjson rows differ");
  FuzzCheck(scanning->unknown_members() == parsing->unknown_members(),
            "scanner and simdjson count unknown members differently");
  return 0;
}

}  // namespace kpi::fuzz

#ifndef KPI_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return kpi::fuzz::FuzzCsvRow(data, size);
}
#endif

// kpictl export --format csv: the records of a range as a CSV table
// (csv_writer.h describes the columns and quoting), to stdout or a file
// (".zst" compresses), with the same range, --where, --fields, order and
// damage handling as the JSON lines export (ctl_export.h).
//
// The columns come from a schema: `schema_file` when given, else the
// installed default (KPI_DEFAULT_SCHEMA, the file kpid reads by default)
// when present, else the built-in copy of packaging/schema.json. Members a
// record holds but the schema does not name are left out, and a note says
// how many.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <string>

#include "libkpi/ctl_export.h"

namespace kpi {

// The whole command; returns the exit code (exit_codes.h).
int RunCsvExport(const ExportArgs& args, const std::string& schema_file);

}  // namespace kpi

// What every kpictl read command shares: the options that select records,
// turning them into a RecordStream's inputs, and the reporting of errors and
// problems in kpictl's one-line form
//   kpictl: <what>: <why>; <what to do>
// with the documented exit codes (exit_codes.h).
//
// Thread-safety: functions write to stderr with one write(2) per line.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "libkpi/field_projection.h"
#include "libkpi/read_problem.h"
#include "libkpi/record_filter.h"
#include "libkpi/record_stream.h"
#include "libkpi/status.h"
#include "libkpi/time_range.h"

namespace kpi {

// Options shared by kpictl's read commands, as typed.
struct QueryArgs {
  std::vector<std::string> data_dirs;
  std::vector<std::string> range;   // positional range words
  std::vector<std::string> where;   // --where clauses
  std::vector<std::string> fields;  // --fields specs
  bool quiet = false;               // -q: no warnings, no notes
};

// The parsed form of QueryArgs; owns the filter and projection a
// StreamOptions points to, so it must outlive the stream.
struct Query {
  std::vector<std::string> data_dirs;
  TimeRange range;
  RecordFilter filter;
  FieldProjection projection;

  // Parses `args` against `now_ms`; InvalidArgument names the bad text.
  static Status Parse(const QueryArgs& args, int64_t now_ms, Query* query);
  StreamOptions ToStreamOptions();
};

// "kpictl: <note>" on stderr (callers skip it under -q).
void PrintNote(const std::string& note);
// "kpictl: <message>; <hint>" on stderr.
void PrintError(const Status& status);
// Prints problems (damage always, warnings unless `quiet`) on stderr.
void PrintProblems(const ReadProblems& problems, bool quiet);
// The exit code for a command that ended with `status` after meeting
// `problems`: the status decides if it failed, else damage gives 3.
int ExitCodeAfter(const Status& status, const ReadProblems& problems);
// PrintError (if failed), PrintProblems, then ExitCodeAfter.
int ReportAndExit(const Status& status, const ReadProblems& problems, bool quiet);

}  // namespace kpi

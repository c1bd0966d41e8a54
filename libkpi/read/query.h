// Query: which records a read command wants (data directories, a time range,
// --where filter clauses, --fields projections), parsed from the words a
// front end collected, and turned into StreamOptions for RecordStream.
//
// Thread-safety: a Query is a value; a parsed Query must outlive the
// streams built from its StreamOptions (they point into it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/read/field_projection.h"
#include "libkpi/read/record_filter.h"
#include "libkpi/read/record_stream.h"
#include "libkpi/util/status.h"
#include "libkpi/util/time_range.h"

namespace kpi {

// The words that select records, as a user typed them.
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

}  // namespace kpi

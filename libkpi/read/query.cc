#include "libkpi/read/query.h"

namespace kpi {

Status Query::Parse(const QueryArgs& args, int64_t now_ms, Query* query) {
  if (args.data_dirs.empty()) {
    return Status::InvalidArgument("no data directory given");
  }
  query->data_dirs = args.data_dirs;
  KPI_RETURN_IF_ERROR(ParseTimeRange(args.range, now_ms, &query->range));
  KPI_RETURN_IF_ERROR(RecordFilter::Parse(args.where, &query->filter));
  return FieldProjection::Parse(args.fields, &query->projection);
}

StreamOptions Query::ToStreamOptions() {
  StreamOptions options;
  options.data_dirs = data_dirs;
  options.range = range;
  options.filter = &filter;
  options.projection = &projection;
  return options;
}

}  // namespace kpi

// BuildReport: runs a Query's records through a ReportAggregator, the one
// streaming pass kpictl report and kpid's read API share.
//
// Damaged blocks are skipped and kept in `problems` (as export does); a
// stored line that is not a JSON object is skipped with a warning. A store
// failure ends it with that status.
//
// With `threads` > 1, that many ReportWorkers threads read and parse the
// hours while the calling thread aggregates, in the order one stream reads
// them: the report, the problems and their order are the same whatever the
// number of threads. (A query with a --fields projection reads on one.)
//
// Thread-safety: runs on the calling thread (and its workers); `query` must
// not be shared.
#pragma once

#include <cstddef>

#include "libkpi/read/query.h"
#include "libkpi/read/read_problem.h"
#include "libkpi/report/report.h"
#include "libkpi/report/report_spec.h"
#include "libkpi/util/status.h"

namespace kpi {

Status BuildReport(Query* query, const ReportSpec& spec, Report* report, ReadProblems* problems,
                   size_t threads = 1);

}  // namespace kpi

// RenderReportText: a Report as kpictl report prints it for a terminal: a
// heading saying the range, period and K, then aligned tables (per period;
// the funnel and splits of the whole range; each group over the whole
// range). A withheld cell reads "withheld", never a figure.
//
// Thread-safety: pure function.
#pragma once

#include <string>

#include "libkpi/report/report.h"

namespace kpi {

std::string RenderReportText(const Report& report);

}  // namespace kpi

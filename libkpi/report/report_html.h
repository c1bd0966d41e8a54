// RenderReportHtml: a Report as one self-contained HTML page: inline CSS and
// inline SVG charts (svg_chart.h) of uses and success rate per period, time
// to success (p50, p90, p99) per period, the funnel, then the per-period and
// per-group tables. No script, no font, image or stylesheet from anywhere
// else, so it reads the same offline and is safe to publish: withheld cells
// show "withheld", never a figure.
//
// Thread-safety: pure function.
#pragma once

#include <string>

#include "libkpi/report/report.h"

namespace kpi {

std::string RenderReportHtml(const Report& report);

}  // namespace kpi

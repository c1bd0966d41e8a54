// RenderReportJson: a Report as one JSON document with stable member names
// (kpictl(1), REPORT JSON, documents each; new members may be added, none is
// renamed or removed without bumping "kpi_report").
//
//   {"kpi_report":1,"range":{"from":..,"to":..},"period":"day","min_count":10,
//    "success_event":"assertion_generated","funnel_events":[..],"groups":[..],
//    "cells_suppressed":N,"periods":[ROW,..],"total":ROW}
//   ROW  {"start":"2026-11-29","start_ms":..,"all":CELL,"groups":{"language":[CELL+"value",..]}}
//   CELL {"suppressed":false,"records":..,"uses":..,"successes":..,"success_rate":..,
//         "time_to_success_ms":{"p50":..,"p90":..,"p99":..}|null,
//         "funnel":[{"event":..,"uses":..,"share":..}],"new_account_share":..,
//         "email_type":{"primary":..,"secondary":..,"other":..,"none":..},
//         "number_emails":{"0":..,"1":..,"2":..,"3+":..,"none":..},
//         "mean_sites_logged_in":..|null}
//   a suppressed CELL is {"suppressed":true} (plus "value"): no figure at all.
//
// Thread-safety: pure function.
#pragma once

#include <string>

#include "libkpi/report/report.h"

namespace kpi {

std::string RenderReportJson(const Report& report);

// How a period is named: "2026-11-29T18" (hour), "2026-11-29" (day, week).
std::string ReportPeriodLabel(ReportPeriod period, int64_t start_ms);

}  // namespace kpi

#include "libkpi/report/report_html.h"

#include <optional>

#include "libkpi/format/store_layout.h"
#include "libkpi/report/figure_text.h"
#include "libkpi/report/report_json.h"
#include "libkpi/report/svg_chart.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:820px}"
    "h1{font-size:22px}h2{font-size:17px;margin-top:28px}"
    "p.meta{color:#555;font-size:13px}"
    "svg.chart{width:100%;height:auto;display:block;margin:12px 0;background:#fff}"
    ".ct{font-size:14px;font-weight:bold;fill:#222}.ax{font-size:11px;fill:#555}"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0}"
    "th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}"
    "th:first-child,td:first-child{text-align:left}"
    "td.w{color:#999;font-style:italic}";

const CellFigures* Shown(const ReportRow& row, size_t key) {
  const auto it = row.cells.find(key);
  if (it == row.cells.end() || it->second.suppressed) return nullptr;
  return &it->second;
}

// One table row of a cell's headline figures (or "withheld").
std::string CellRow(const std::string& label, const ReportRow& row, size_t key, int columns) {
  std::string tr = "<tr><td>" + HtmlEscape(label) + "</td>";
  const CellFigures* c = Shown(row, key);
  if (c == nullptr) {
    return tr + "<td class=\"w\" colspan=\"" + std::to_string(columns) +
           "\">withheld (fewer than the minimum count)</td></tr>";
  }
  const bool timed = c->successes > 0;
  tr += "<td>" + FixedText(c->uses, 0) + "</td><td>" + PercentText(c->successes, c->uses, true) +
        "</td>";
  for (int64_t ms : {c->success_p50_ms, c->success_p90_ms, c->success_p99_ms}) {
    tr += "<td>" + (timed ? FixedText(ms / 1000.0, 1) + " s" : std::string("-")) + "</td>";
  }
  tr += "<td>" + PercentText(c->new_accounts, c->uses, true) + "</td></tr>";
  return tr;
}

std::string TableHead(const std::string& first) {
  return "<table><tr><th>" + HtmlEscape(first) +
         "</th><th>uses</th><th>success</th><th>p50</th><th>p90</th><th>p99</th>"
         "<th>new accounts</th></tr>";
}

std::string Charts(const Report& report) {
  std::vector<std::string> labels;
  ChartSeries uses{"uses", "#2c7fb8", {}};
  ChartSeries success{"success rate", "#31a354", {}};
  ChartSeries p50{"p50", "#2c7fb8", {}}, p90{"p90", "#fd8d3c", {}}, p99{"p99", "#de2d26", {}};
  for (size_t r = 0; r + 1 < report.rows.size(); ++r) {
    const ReportRow& row = report.rows[r];
    labels.push_back(ReportPeriodLabel(report.spec.period, row.start_ms));
    const CellFigures* c = Shown(row, 0);
    const bool timed = c != nullptr && c->successes > 0;
    uses.values.push_back(c ? std::optional<double>(c->uses) : std::nullopt);
    success.values.push_back(c ? std::optional<double>(c->successes / c->uses) : std::nullopt);
    p50.values.push_back(timed ? std::optional<double>(c->success_p50_ms / 1000.0) : std::nullopt);
    p90.values.push_back(timed ? std::optional<double>(c->success_p90_ms / 1000.0) : std::nullopt);
    p99.values.push_back(timed ? std::optional<double>(c->success_p99_ms / 1000.0) : std::nullopt);
  }
  std::string html = SvgBarChart(
      "Dialog uses per " + std::string(ReportPeriodName(report.spec.period)), labels, uses);
  html += SvgLineChart("Sign-in success rate", labels, {success}, true);
  html += SvgLineChart("Time to success (seconds)", labels, {p50, p90, p99}, false);
  std::vector<std::optional<double>> shares;
  const CellFigures* total = Shown(report.total(), 0);
  for (size_t i = 0; i < report.spec.funnel.size(); ++i) {
    shares.push_back(total ? std::optional<double>(total->funnel[i] / total->uses) : std::nullopt);
  }
  html += SvgShareBars("Funnel: share of uses reaching each event", report.spec.funnel, shares);
  return html;
}

std::string Tables(const Report& report) {
  std::string html = "<h2>Per " + std::string(ReportPeriodName(report.spec.period)) + "</h2>" +
                     TableHead("period");
  for (size_t r = 0; r + 1 < report.rows.size(); ++r) {
    const ReportRow& row = report.rows[r];
    html += CellRow(ReportPeriodLabel(report.spec.period, row.start_ms), row, 0, 6);
  }
  html += CellRow("whole range", report.total(), 0, 6) + "</table>";
  for (size_t g = 0; g < report.spec.groups.size(); ++g) {
    html += "<h2>By " + HtmlEscape(report.spec.groups[g].field) + " (whole range)</h2>" +
            TableHead(report.spec.groups[g].field);
    for (const auto& [key, cell] : report.total().cells) {
      if (report.keys[key].group == static_cast<int>(g)) {
        html += CellRow(report.keys[key].value, report.total(), key, 6);
      }
    }
    html += "</table>";
  }
  return html;
}

std::string RangeText(const Report& report) {
  const std::string from =
      report.range_from_ms <= kMinTimeMs ? "the first record" : FormatIso(report.range_from_ms);
  const std::string to =
      report.range_to_ms >= kMaxTimeMs ? "the last record" : FormatIso(report.range_to_ms);
  return from + " to " + to + " (end exclusive)";
}

}  // namespace

std::string RenderReportHtml(const Report& report) {
  const ReportSpec& spec = report.spec;
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\"><title>Sign-in KPIs</title><style>";
  html += kStyle;
  html += "</style></head><body><h1>Sign-in KPIs</h1><p class=\"meta\">" +
          HtmlEscape(RangeText(report)) + ", per " + std::string(ReportPeriodName(spec.period)) +
          ". Success: a use whose events include <b>" + HtmlEscape(spec.success_event) +
          "</b>. Each record weighs 1 / sample_rate. Cells built from fewer than <b>" +
          std::to_string(spec.min_count) + "</b> records are withheld (" +
          std::to_string(report.cells_suppressed) +
          " cells here), and so are the fewest others needed so that no withheld figure can be "
          "worked out from the shown ones.</p>";
  html += Charts(report) + Tables(report);
  html += "<p class=\"meta\">Time to success is accurate to 2.2 % (log-scale histogram).</p>";
  html += "</body></html>\n";
  return html;
}

}  // namespace kpi

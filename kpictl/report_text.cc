#include "kpictl/report_text.h"

#include "kpictl/text_table.h"
#include "libkpi/report/figure_text.h"
#include "libkpi/report/report_json.h"

namespace kpi {
namespace {

std::string Seconds(const CellFigures& c, int64_t ms) {
  return c.successes > 0 ? FixedText(ms / 1000.0, 1) + "s" : "-";
}

// Adds `label`'s row of headline figures (or "withheld") to `table`.
void AddCellRow(const std::string& label, const ReportRow& row, size_t key, TextTable* table) {
  const auto it = row.cells.find(key);
  if (it == row.cells.end()) return;
  const CellFigures& c = it->second;
  if (c.suppressed) {
    table->AddRow({label, "withheld", "", "", "", "", "", ""});
    return;
  }
  table->AddRow({label, std::to_string(c.records), FixedText(c.uses, 0),
                 PercentText(c.successes, c.uses), Seconds(c, c.success_p50_ms),
                 Seconds(c, c.success_p90_ms), Seconds(c, c.success_p99_ms),
                 PercentText(c.new_accounts, c.uses)});
}

TextTable HeadlineTable(const std::string& first) {
  return TextTable({first, "records", "uses", "success", "p50", "p90", "p99", "new"}, "LRRRRRRR");
}

std::string Splits(const Report& report) {
  const auto it = report.total().cells.find(0);
  if (it == report.total().cells.end() || it->second.suppressed) return "";
  const CellFigures& c = it->second;
  TextTable funnel({"funnel step", "uses", "share"}, "LRR");
  for (size_t i = 0; i < report.spec.funnel.size(); ++i) {
    funnel.AddRow(
        {report.spec.funnel[i], FixedText(c.funnel[i], 0), PercentText(c.funnel[i], c.uses)});
  }
  TextTable splits({"split", "share"}, "LR");
  static const char* const kTypes[] = {"primary", "secondary", "other", "none"};
  for (size_t i = 0; i < c.email_types.size(); ++i) {
    splits.AddRow({std::string("email_type ") + kTypes[i], PercentText(c.email_types[i], c.uses)});
  }
  static const char* const kCounts[] = {"0", "1", "2", "3+", "none"};
  for (size_t i = 0; i < c.email_counts.size(); ++i) {
    splits.AddRow(
        {std::string("number_emails ") + kCounts[i], PercentText(c.email_counts[i], c.uses)});
  }
  splits.AddRow({"mean number_sites_logged_in",
                 c.sites_weight > 0 ? FixedText(c.sites_sum / c.sites_weight, 2) : "-"});
  return "\n" + funnel.Render() + "\n" + splits.Render();
}

}  // namespace

std::string RenderReportText(const Report& report) {
  const ReportSpec& spec = report.spec;
  std::string out = "success event " + spec.success_event + "; cells of fewer than " +
                    std::to_string(spec.min_count) + " records withheld (" +
                    std::to_string(report.cells_suppressed) + " here)\n\n";
  TextTable periods = HeadlineTable(std::string(ReportPeriodName(spec.period)));
  for (size_t r = 0; r + 1 < report.rows.size(); ++r) {
    AddCellRow(ReportPeriodLabel(spec.period, report.rows[r].start_ms), report.rows[r], 0,
               &periods);
  }
  AddCellRow("total", report.total(), 0, &periods);
  out += periods.Render() + Splits(report);
  for (size_t g = 0; g < spec.groups.size(); ++g) {
    TextTable table = HeadlineTable(spec.groups[g].field);
    for (const auto& [key, cell] : report.total().cells) {
      if (report.keys[key].group == static_cast<int>(g)) {
        AddCellRow(report.keys[key].value, report.total(), key, &table);
      }
    }
    out += "\n" + table.Render();
  }
  return out;
}

}  // namespace kpi

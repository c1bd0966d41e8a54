#include "libkpi/report/report_json.h"

#include "libkpi/format/store_layout.h"
#include "libkpi/util/json_writer.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void Open(char brace) { out_->push_back(brace), first_ = true; }
  void Close(char brace) { out_->push_back(brace), first_ = false; }
  Writer& Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendJsonKey(out_, key);
    return *this;
  }
  void Item() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  void Num(double v) { AppendJsonDouble(out_, v), first_ = false; }
  void Str(std::string_view v) { AppendJsonString(out_, v), first_ = false; }
  void Share(double part, double whole) { whole > 0 ? Num(part / whole) : AppendJsonNull(out_); }
  std::string* out() { return out_; }

 private:
  std::string* out_;
  bool first_ = true;
};

void WriteShares(Writer* w, const char* const* names, const double* values, size_t n, double uses) {
  w->Open('{');
  for (size_t i = 0; i < n; ++i) w->Key(names[i]).Share(values[i], uses);
  w->Close('}');
}

void WriteFigures(Writer* w, const ReportSpec& spec, const CellFigures& c) {
  w->Key("records").Num(static_cast<double>(c.records));
  w->Key("uses").Num(c.uses);
  w->Key("successes").Num(c.successes);
  w->Key("success_rate").Share(c.successes, c.uses);
  w->Key("time_to_success_ms");
  if (c.successes > 0) {
    w->Open('{');
    w->Key("p50").Num(static_cast<double>(c.success_p50_ms));
    w->Key("p90").Num(static_cast<double>(c.success_p90_ms));
    w->Key("p99").Num(static_cast<double>(c.success_p99_ms));
    w->Close('}');
  } else {
    AppendJsonNull(w->out());
  }
  w->Key("funnel").Open('[');
  for (size_t i = 0; i < spec.funnel.size(); ++i) {
    w->Item();
    w->Open('{');
    w->Key("event").Str(spec.funnel[i]);
    w->Key("uses").Num(c.funnel[i]);
    w->Key("share").Share(c.funnel[i], c.uses);
    w->Close('}');
  }
  w->Close(']');
  w->Key("new_account_share").Share(c.new_accounts, c.uses);
  static const char* const kTypes[] = {"primary", "secondary", "other", "none"};
  w->Key("email_type");
  WriteShares(w, kTypes, c.email_types.data(), c.email_types.size(), c.uses);
  static const char* const kCounts[] = {"0", "1", "2", "3+", "none"};
  w->Key("number_emails");
  WriteShares(w, kCounts, c.email_counts.data(), c.email_counts.size(), c.uses);
  w->Key("mean_sites_logged_in").Share(c.sites_sum, c.sites_weight);
}

void WriteCell(Writer* w, const ReportSpec& spec, const CellFigures& c, const ReportKey* key) {
  w->Open('{');
  if (key != nullptr) w->Key("value").Str(key->value);
  w->Key("suppressed");
  AppendJsonBool(w->out(), c.suppressed);
  if (!c.suppressed) WriteFigures(w, spec, c);
  w->Close('}');
}

void WriteRow(Writer* w, const Report& report, const ReportRow& row) {
  w->Open('{');
  if (!row.is_total) {
    w->Key("start").Str(ReportPeriodLabel(report.spec.period, row.start_ms));
    w->Key("start_ms").Num(static_cast<double>(row.start_ms));
  }
  w->Key("all");
  const auto all = row.cells.find(0);
  all == row.cells.end() ? AppendJsonNull(w->out())
                         : WriteCell(w, report.spec, all->second, nullptr);
  w->Key("groups").Open('{');
  for (size_t g = 0; g < report.spec.groups.size(); ++g) {
    w->Key(report.spec.groups[g].field).Open('[');
    for (const auto& [key, cell] : row.cells) {
      if (report.keys[key].group != static_cast<int>(g)) continue;
      w->Item();
      WriteCell(w, report.spec, cell, &report.keys[key]);
    }
    w->Close(']');
  }
  w->Close('}');
  w->Close('}');
}

void WriteRangeEnd(Writer* w, const char* key, int64_t ms, bool unbounded) {
  w->Key(key);
  unbounded ? AppendJsonNull(w->out()) : w->Str(FormatIso(ms));
}

}  // namespace

std::string ReportPeriodLabel(ReportPeriod period, int64_t start_ms) {
  const std::string hour = FormatHour(start_ms);
  return period == ReportPeriod::kHour ? hour : hour.substr(0, 10);
}

std::string RenderReportJson(const Report& report) {
  std::string out;
  Writer w(&out);
  const ReportSpec& spec = report.spec;
  w.Open('{');
  w.Key("kpi_report").Num(1);
  w.Key("range").Open('{');
  WriteRangeEnd(&w, "from", report.range_from_ms, report.range_from_ms <= kMinTimeMs);
  WriteRangeEnd(&w, "to", report.range_to_ms, report.range_to_ms >= kMaxTimeMs);
  w.Close('}');
  w.Key("period").Str(ReportPeriodName(spec.period));
  w.Key("min_count").Num(static_cast<double>(spec.min_count));
  w.Key("success_event").Str(spec.success_event);
  w.Key("funnel_events").Open('[');
  for (const std::string& step : spec.funnel) w.Item(), w.Str(step);
  w.Close(']');
  w.Key("groups").Open('[');
  for (const GroupSpec& g : spec.groups) w.Item(), w.Str(g.field);
  w.Close(']');
  w.Key("cells_suppressed").Num(static_cast<double>(report.cells_suppressed));
  w.Key("periods").Open('[');
  for (size_t r = 0; r + 1 < report.rows.size(); ++r)
    w.Item(), WriteRow(&w, report, report.rows[r]);
  w.Close(']');
  w.Key("total");
  WriteRow(&w, report, report.total());
  w.Close('}');
  out.push_back('\n');
  return out;
}

}  // namespace kpi

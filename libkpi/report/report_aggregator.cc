#include "libkpi/report/report_aggregator.h"

#include <algorithm>

#include "libkpi/report/report_suppression.h"

namespace kpi {
namespace {

constexpr std::string_view kOther = "Other";

CellFigures::EmailType EmailTypeOf(const std::string& type) {
  if (type.empty()) return CellFigures::kEmailTypeMissing;
  if (type == "primary") return CellFigures::kPrimary;
  if (type == "secondary") return CellFigures::kSecondary;
  return CellFigures::kEmailTypeOther;
}

CellFigures::EmailCount EmailCountOf(int64_t n) {
  if (n < 0) return CellFigures::kEmailsMissing;
  if (n >= 3) return CellFigures::kEmails3Plus;
  return static_cast<CellFigures::EmailCount>(n);
}

}  // namespace

void ReportAggregator::Accumulator::Add(const ReportRecord& r, size_t funnel_steps,
                                        int success_bucket) {
  CellFigures& f = figures;
  const double w = r.weight;
  f.records += 1;
  f.uses += w;
  if (r.success) {
    f.successes += w;
    success_ms.AddToBucket(success_bucket, w);
  }
  for (size_t i = 0; i < funnel_steps; ++i) {
    if (r.funnel_reached & (1u << i)) f.funnel[i] += w;
  }
  if (r.new_account == 1) f.new_accounts += w;
  f.email_types[EmailTypeOf(r.email_type)] += w;
  f.email_counts[EmailCountOf(r.number_emails)] += w;
  if (r.has_sites) f.sites_sum += w * r.sites_logged_in, f.sites_weight += w;
}

CellFigures ReportAggregator::Accumulator::Close() const {
  CellFigures f = figures;
  f.success_p50_ms = success_ms.Percentile(0.50);
  f.success_p90_ms = success_ms.Percentile(0.90);
  f.success_p99_ms = success_ms.Percentile(0.99);
  return f;
}

ReportAggregator::ReportAggregator(ReportSpec spec, int64_t range_from_ms, int64_t range_to_ms)
    : report_{std::move(spec), range_from_ms, range_to_ms, {ReportKey{}}, {}, 0},  // key 0: every use
      parser_(report_.spec) {
  key_index_.resize(report_.spec.groups.size());
}

ReportAggregator::~ReportAggregator() = default;

size_t ReportAggregator::KeyOf(size_t group, std::string_view label) {
  const GroupSpec& g = report_.spec.groups[group];
  auto& index = key_index_[group];
  std::string_view kept = label;
  if (!g.values.empty() && std::find(g.values.begin(), g.values.end(), label) == g.values.end()) {
    kept = kOther;
  }
  auto it = index.find(kept);
  if (it != index.end()) return it->second;
  if (index.size() >= ReportSpec::kMaxGroupValues) {  // the cap: one slot stays for "Other"
    kept = kOther;
    it = index.find(kept);
    if (it != index.end()) return it->second;
  }
  report_.keys.push_back(ReportKey{static_cast<int>(group), std::string(kept)});
  index.emplace(kept, report_.keys.size() - 1);
  return report_.keys.size() - 1;
}

ReportAggregator::Accumulator* ReportAggregator::Open(
    std::vector<std::unique_ptr<Accumulator>>* accumulators, size_t key) {
  if (accumulators->size() <= key) accumulators->resize(key + 1);
  auto& slot = (*accumulators)[key];
  if (!slot) slot = std::make_unique<Accumulator>();
  return slot.get();
}

void ReportAggregator::ClosePeriod() {
  if (!period_open_) return;
  ReportRow row;
  row.start_ms = period_start_;
  for (size_t key = 0; key < period_.size(); ++key) {
    if (period_[key]) row.cells.emplace(key, period_[key]->Close());
  }
  report_.rows.push_back(std::move(row));
  period_.clear();
  period_open_ = false;
}

Status ReportAggregator::Add(int64_t timestamp_ms, std::string_view json) {
  KPI_RETURN_IF_ERROR(parser_.Parse(json, &record_));
  return AddParsed(timestamp_ms, record_);
}

Status ReportAggregator::AddParsed(int64_t timestamp_ms, const ReportRecord& record) {
  const int64_t start = ReportPeriodStart(report_.spec.period, timestamp_ms);
  if (period_open_ && start < period_start_) {
    return Status::InvalidArgument("report: record at " + std::to_string(timestamp_ms) +
                                   " ms comes after a later period; records must be in time order");
  }
  if (!period_open_ || start != period_start_) {
    ClosePeriod();
    period_open_ = true;
    period_start_ = start;
  }
  keys_of_record_.assign(1, 0);
  for (size_t g = 0; g < report_.spec.groups.size(); ++g) {
    keys_of_record_.push_back(KeyOf(g, record.group_values[g]));
  }
  const size_t steps = report_.spec.funnel.size();
  const int bucket =
      record.success ? LogHistogram::BucketOf(static_cast<double>(record.success_offset_ms)) : 0;
  for (size_t key : keys_of_record_) {
    Open(&period_, key)->Add(record, steps, bucket);
    Open(&total_, key)->Add(record, steps, bucket);
  }
  return Status::OK();
}

// Orders keys by group, then label, so output and suppression's tie-breaks
// do not depend on the order values first appeared in.
void ReportAggregator::SortKeys() {
  std::vector<size_t> order(report_.keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin() + 1, order.end(), [this](size_t a, size_t b) {
    const ReportKey& x = report_.keys[a];
    const ReportKey& y = report_.keys[b];
    return x.group != y.group ? x.group < y.group : x.value < y.value;
  });
  std::vector<size_t> new_index(order.size());
  std::vector<ReportKey> keys;
  for (size_t i = 0; i < order.size(); ++i) {
    new_index[order[i]] = i;
    keys.push_back(std::move(report_.keys[order[i]]));
  }
  report_.keys = std::move(keys);
  for (ReportRow& row : report_.rows) {
    std::map<size_t, CellFigures> cells;
    for (auto& [key, cell] : row.cells) cells.emplace(new_index[key], cell);
    row.cells = std::move(cells);
  }
}

Report ReportAggregator::Finish() {
  ClosePeriod();
  ReportRow total;
  total.is_total = true;
  total.start_ms = report_.range_from_ms;
  for (size_t key = 0; key < total_.size(); ++key) {
    if (total_[key]) total.cells.emplace(key, total_[key]->Close());
  }
  report_.rows.push_back(std::move(total));
  total_.clear();
  SortKeys();
  report_.cells_suppressed = ApplySuppression(&report_);
  return std::move(report_);
}

}  // namespace kpi

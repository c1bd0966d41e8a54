// Report: the figures of a KPI report, as ReportAggregator computed them and
// the renderers (report_json, report_html, kpictl's text tables) show them.
//
// A report has rows (one per period that holds records, ascending, then the
// whole range) and keys (key 0 is every use; then one per value of each
// group). A cell is a row × key with records; absent cells have none.
// Figures are weighted sums (each record weighs 1 / sample_rate): renderers
// divide by `uses` for shares. A suppressed cell keeps its figures here so
// that suppression can be decided, but no renderer may show any of them.
//
// Thread-safety: a value.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "libkpi/report/report_spec.h"

namespace kpi {

struct CellFigures {
  static constexpr int kMaxFunnel = 16;
  // number_emails buckets as the original dashboard drew them.
  enum EmailCount { kEmails0, kEmails1, kEmails2, kEmails3Plus, kEmailsMissing, kEmailCounts };
  enum EmailType { kPrimary, kSecondary, kEmailTypeOther, kEmailTypeMissing, kEmailTypes };

  uint64_t records = 0;  // unweighted: what the min count K is compared with
  double uses = 0;       // weighted
  double successes = 0;
  int64_t success_p50_ms = 0, success_p90_ms = 0, success_p99_ms = 0;  // when successes > 0
  std::array<double, kMaxFunnel> funnel{};
  double new_accounts = 0;
  std::array<double, kEmailTypes> email_types{};
  std::array<double, kEmailCounts> email_counts{};
  double sites_sum = 0;     // Σ weight × number_sites_logged_in
  double sites_weight = 0;  // Σ weight of records that have it
  bool suppressed = false;
};

struct ReportKey {
  int group = -1;     // index into spec.groups; -1: every use
  std::string value;  // the group's label
};

struct ReportRow {
  bool is_total = false;
  int64_t start_ms = 0;                 // the period's start (the range's for the total)
  std::map<size_t, CellFigures> cells;  // by key index
};

struct Report {
  ReportSpec spec;
  int64_t range_from_ms = 0, range_to_ms = 0;  // as asked
  std::vector<ReportKey> keys;
  std::vector<ReportRow> rows;  // periods ascending, then the total
  uint64_t cells_suppressed = 0;

  const ReportRow& total() const { return rows.back(); }
};

}  // namespace kpi

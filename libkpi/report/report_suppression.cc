#include "libkpi/report/report_suppression.h"

#include <vector>

namespace kpi {
namespace {

// One sum relation: `whole` is the sum of `parts` (null entries skipped).
struct Sum {
  CellFigures* whole = nullptr;
  std::vector<CellFigures*> parts;
};

// Suppresses the smallest shown part while the suppressed ones hold fewer
// than k records; true when it changed anything.
bool Protect(const Sum& sum, uint64_t k) {
  if (sum.whole == nullptr || sum.whole->suppressed) return false;
  bool changed = false;
  for (;;) {
    uint64_t hidden = 0;
    bool any_hidden = false;
    CellFigures* smallest = nullptr;
    for (CellFigures* part : sum.parts) {
      if (part->suppressed) {
        hidden += part->records, any_hidden = true;
      } else if (smallest == nullptr || part->records < smallest->records) {
        smallest = part;
      }
    }
    if (!any_hidden || hidden >= k || smallest == nullptr) return changed;
    smallest->suppressed = true;
    changed = true;
  }
}

CellFigures* CellAt(ReportRow* row, size_t key) {
  auto it = row->cells.find(key);
  return it == row->cells.end() ? nullptr : &it->second;
}

std::vector<Sum> SumsOf(Report* report) {
  std::vector<Sum> sums;
  const size_t groups = report->spec.groups.size();
  for (ReportRow& row : report->rows) {  // every use = Σ a group's values, per row
    for (size_t g = 0; g < groups; ++g) {
      Sum sum;
      sum.whole = CellAt(&row, 0);
      for (size_t key = 1; key < report->keys.size(); ++key) {
        CellFigures* cell =
            report->keys[key].group == static_cast<int>(g) ? CellAt(&row, key) : nullptr;
        if (cell != nullptr) sum.parts.push_back(cell);
      }
      sums.push_back(std::move(sum));
    }
  }
  ReportRow& total = report->rows.back();
  for (size_t key = 0; key < report->keys.size(); ++key) {  // total = Σ periods, per key
    Sum sum;
    sum.whole = CellAt(&total, key);
    for (size_t r = 0; r + 1 < report->rows.size(); ++r) {
      if (CellFigures* cell = CellAt(&report->rows[r], key)) sum.parts.push_back(cell);
    }
    sums.push_back(std::move(sum));
  }
  return sums;
}

}  // namespace

uint64_t ApplySuppression(Report* report) {
  const uint64_t k = report->spec.min_count;
  for (ReportRow& row : report->rows) {
    for (auto& [key, cell] : row.cells) cell.suppressed = cell.records < k;
  }
  if (!report->rows.empty()) {
    const std::vector<Sum> sums = SumsOf(report);
    for (bool changed = true; changed;) {
      changed = false;
      for (const Sum& sum : sums) changed |= Protect(sum, k);
    }
  }
  uint64_t suppressed = 0;
  for (const ReportRow& row : report->rows) {
    for (const auto& [key, cell] : row.cells) suppressed += cell.suppressed ? 1 : 0;
  }
  return suppressed;
}

}  // namespace kpi

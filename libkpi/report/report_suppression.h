// Suppression: which cells of a Report may be published.
//
// Primary: a cell built from fewer than spec.min_count (K) records is
// suppressed. Secondary: a shown total minus its shown parts must not give
// away a suppressed cell. Two sums hold in every report: a row's "every
// use" cell is the sum of each group's cells in that row, and the total
// row's cell of a key is the sum of that key's cells over the periods. For
// each such sum whose whole is shown, the suppressed parts together must
// hold at least K records; while they do not, the smallest shown part is
// suppressed too. This repeats until no sum changes, so no subtraction of
// shown figures yields fewer than K records.
//
// Thread-safety: pure function of the report.
#pragma once

#include <cstdint>

#include "libkpi/report/report.h"

namespace kpi {

// Marks cells suppressed; returns how many are.
uint64_t ApplySuppression(Report* report);

}  // namespace kpi

// ShipPlan: which hours a run of kpictl ship sends, sends again, deletes from
// ClickHouse or forgets, decided from names and numbers alone (no I/O), so
// every case is unit-tested.
//
// Inputs: the store's hours (StoreHour: sealed or still open, and the
// fingerprint of a sealed hour's segment files), the hours ClickHouse's table
// holds rows of, and the state of earlier runs. For each hour:
//   store sealed, state has the same fingerprint, ClickHouse has rows → unchanged
//   store sealed, otherwise                          → ship (never sent before)
//                                                      or reship (known: the
//                                                      fingerprint changed, or
//                                                      ClickHouse lost the rows)
//   store open (a WAL is still being written)         → left for a later run
//   store has no file of the hour, ClickHouse has rows → drop (purged or
//                                                      removed by retention)
//   only in the state                                 → forget
// So the table converges to the store: a rerun after any crash repeats the
// unfinished hours, and an hour purged in kpi is deleted in ClickHouse.
//
// Thread-safety: plain values and a pure function.
#pragma once

#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

#include "libkpi/ship/ship_state.h"

namespace kpi {

struct StoreHour {
  int64_t hour_ms = 0;
  bool sealed = false;       // segments only: no write-ahead file of the hour
  uint64_t fingerprint = 0;  // of the segment files, when sealed
};

struct ShipPlan {
  std::vector<int64_t> ship;    // ascending
  std::vector<int64_t> reship;  // ascending
  std::vector<int64_t> drop;    // ascending
  std::vector<int64_t> forget;  // ascending
  size_t unchanged = 0;
  size_t open = 0;
};

// Hours of `state` outside [from_ms, to_ms) (the run's range) are left alone.
ShipPlan PlanShipment(const std::vector<StoreHour>& store, const std::set<int64_t>& clickhouse_hours,
                      const ShipState& state, int64_t from_ms, int64_t to_ms);

// FNV-1a 64 of `text`, continuing from `hash` (start with kFingerprintSeed).
constexpr uint64_t kFingerprintSeed = 14695981039346656037ull;
uint64_t FingerprintAdd(uint64_t hash, std::string_view text);

}  // namespace kpi

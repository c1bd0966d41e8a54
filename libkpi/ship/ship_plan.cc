#include "libkpi/ship/ship_plan.h"

namespace kpi {

uint64_t FingerprintAdd(uint64_t hash, std::string_view text) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

ShipPlan PlanShipment(const std::vector<StoreHour>& store, const std::set<int64_t>& clickhouse_hours,
                      const ShipState& state, int64_t from_ms, int64_t to_ms) {
  ShipPlan plan;
  std::set<int64_t> in_store;
  for (const StoreHour& hour : store) {
    in_store.insert(hour.hour_ms);
    if (!hour.sealed) {
      ++plan.open;
      continue;
    }
    const auto shipped = state.hours.find(hour.hour_ms);
    const bool known = shipped != state.hours.end();
    const bool in_clickhouse = clickhouse_hours.count(hour.hour_ms) > 0;
    if (known && in_clickhouse && shipped->second.fingerprint == hour.fingerprint) {
      ++plan.unchanged;
    } else if (known || in_clickhouse) {
      plan.reship.push_back(hour.hour_ms);
    } else {
      plan.ship.push_back(hour.hour_ms);
    }
  }
  for (int64_t hour_ms : clickhouse_hours) {
    if (!in_store.count(hour_ms)) plan.drop.push_back(hour_ms);
  }
  for (const auto& [hour_ms, shipped] : state.hours) {
    if (hour_ms < from_ms || hour_ms >= to_ms) continue;
    if (!in_store.count(hour_ms) && !clickhouse_hours.count(hour_ms)) plan.forget.push_back(hour_ms);
  }
  return plan;
}

}  // namespace kpi

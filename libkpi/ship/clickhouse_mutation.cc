#include "libkpi/ship/clickhouse_mutation.h"

#include <chrono>
#include <sstream>
#include <thread>

namespace kpi {
namespace {

constexpr auto kMutationPoll = std::chrono::milliseconds(20);
constexpr auto kMutationTimeout = std::chrono::minutes(30);

std::string MutationsCondition(const std::string& table) {
  std::string condition = SystemTablesCondition(table);
  const size_t name = condition.find("name =");
  return condition.replace(name, 4, "table");
}

}  // namespace

std::string SystemTablesCondition(const std::string& table) {
  const size_t dot = table.find('.');
  if (dot == std::string::npos) return "database = currentDatabase() AND name = '" + table + "'";
  return "database = '" + table.substr(0, dot) + "' AND name = '" + table.substr(dot + 1) + "'";
}

Status DeleteRowsAndWait(ClickHouseClient* server, const std::string& table,
                         const std::string& condition) {
  KPI_RETURN_IF_ERROR(
      server->Execute("ALTER TABLE " + table + " DELETE WHERE " + condition, nullptr));
  const std::string pending = "SELECT count() FROM system.mutations WHERE " +
                              MutationsCondition(table) + " AND is_done = 0";
  const auto deadline = std::chrono::steady_clock::now() + kMutationTimeout;
  for (;;) {
    std::string answer;
    uint64_t count = 0;
    KPI_RETURN_IF_ERROR(server->Execute(pending, &answer));
    std::istringstream in(answer);
    if (!(in >> count)) {
      return Status::Corruption("ClickHouse answered '" + answer + "' to " + pending);
    }
    if (count == 0) return Status::OK();
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Busy("ClickHouse " + server->url() + ": the deletion from " + table +
                          " is not done after 30 minutes; see system.mutations there");
    }
    std::this_thread::sleep_for(kMutationPoll);
  }
}

}  // namespace kpi

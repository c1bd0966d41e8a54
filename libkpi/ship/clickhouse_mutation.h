// Deleting rows from a ClickHouse MergeTree table and waiting until they are
// gone, and naming a table in ClickHouse's system tables.
//
// Why wait: ALTER TABLE ... DELETE (a mutation, ClickHouse ≥ 1.1.54388, so
// 18.16) returns at once and rewrites parts in the background; a count or an
// ownership check right after it would still see the rows.
//
// Thread-safety: pure functions; the client is used by the calling thread.
#pragma once

#include <string>

#include "libkpi/ship/clickhouse_client.h"
#include "libkpi/util/status.h"

namespace kpi {

// The condition on system.tables selecting [db.]table ("database =
// currentDatabase()" without a database).
std::string SystemTablesCondition(const std::string& table);

// ALTER TABLE `table` DELETE WHERE `condition` on `server`, then waits (up to
// 30 minutes) until system.mutations has no unfinished mutation of the table.
Status DeleteRowsAndWait(ClickHouseClient* server, const std::string& table,
                         const std::string& condition);

}  // namespace kpi

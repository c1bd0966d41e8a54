// ClickHouseColumns: the ClickHouse table that kpictl ship fills, derived
// from the kpi schema (packaging/schema.json), and the SQL that creates and
// fills it. A field added to the schema adds a column.
//
// Columns: `_id String`, `timestamp Int64` (Unix ms, as stored), then every
// schema field in schema order, objects flattened with '_' (screen_size_width,
// user_agent_os), every one Nullable (absent in a record → NULL):
//   integer → Int64      number → Float64     boolean → UInt8 (0/1)
//   string, enum, string_or_number → String   (a number as its JSON text)
//   event_stream → String, the stored JSON text ([["screen.rp_info",2721],...])
// These types and the TabSeparated format are read alike by ClickHouse 18.16
// (Debian 12) and current releases; 18.16 does not parse true/false into
// UInt8, so booleans travel as 0/1.
//
// The table (CreateTableSql) is a ReplacingMergeTree partitioned by UTC day
// and ordered by (timestamp, _id): a record's _id fixes its timestamp, so
// rows with the same _id collapse into one when parts merge, and every query
// with FINAL counts each record once however often it was inserted.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <vector>

#include "libkpi/ingest/schema.h"
#include "libkpi/util/status.h"

namespace kpi {

struct ClickHouseColumn {
  enum class Kind { kId, kTimestamp, kInteger, kNumber, kBoolean, kString, kJsonText };

  std::string name;  // the column: "screen_size_width"
  std::string path;  // the member in a record: "screen_size.width"
  Kind kind = Kind::kString;
  std::string type;  // "Nullable(Int64)"
};

// _id, timestamp, then the schema's fields (leaves only), in order.
Status ClickHouseColumns(const Schema& schema, std::vector<ClickHouseColumn>* columns);

// CREATE TABLE IF NOT EXISTS `table` (...) ENGINE = ReplacingMergeTree ...
std::string CreateTableSql(const std::string& table, const std::vector<ClickHouseColumn>& columns);
// CREATE TABLE IF NOT EXISTS `table` (...) ENGINE = Distributed(cluster,
// database of local_table, local_table, cityHash64(_id)): spreads rows over
// the cluster's shards by a hash of _id, so copies of a record always meet
// in one shard's ReplacingMergeTree.
std::string CreateDistributedSql(const std::string& table, const std::string& cluster,
                                 const std::string& local_table,
                                 const std::vector<ClickHouseColumn>& columns);
// INSERT INTO `table` (columns...) FORMAT TabSeparated
std::string InsertSql(const std::string& table, const std::vector<ClickHouseColumn>& columns);
// The WHERE condition selecting the records of the hour starting at hour_ms.
std::string HourCondition(int64_t hour_ms);

// Whether `name` is a table name kpictl ship accepts: [db.]table, each part
// letters, digits and '_', not starting with a digit.
bool IsPlainTableName(const std::string& name);

}  // namespace kpi

// Shipper: keeps a ClickHouse table in step with the sealed hours of a kpi
// store (one or more data directories), hour by hour, so that analysts can
// query years of records from many nodes with ClickHouse while kpi stays the
// system of record.
//
// One run (RunOnce) lists the store and the table, plans (ship_plan.h) and
// then, per hour, ascending:
//   ship   streams the hour's records (RecordStream over its snapshot, rows
//          of clickhouse_rows.h) in one INSERT, then counts the hour in
//          ClickHouse with FINAL. Equal to the records sent: the hour and its
//          fingerprint go into the state file (saved after every hour).
//          More: rows the store no longer has (a hour partly lost to damage):
//          the hour is deleted and inserted once more. Fewer: a mismatch,
//          reported; the hour stays out of the state and is retried.
//   drop   an hour ClickHouse holds but the store no longer has (kpictl
//          purge, retention): ALTER TABLE ... DELETE WHERE <the hour>, waited
//          for until the mutation is done, then checked to count 0.
// Why it is exact after a kill -9 at any moment: an INSERT cut short leaves
// some rows, which the next run's insert of the whole hour duplicates, and
// the ReplacingMergeTree keeps one row per _id (counted with FINAL); the state
// is written (atomically) only after ClickHouse's count matched, so an hour
// whose insert or deletion was interrupted is planned again.
// Why DELETE and not DROP PARTITION: partitions are days, retention and
// purge remove hours; a DELETE mutation removes exactly the rows of the hour
// (ALTER ... DELETE exists since ClickHouse 1.1.54388, so in 18.16).
//
// With a Distributed table (`cluster` set), rows go through the table on the
// entry server, which places each on the shard of cityHash64(_id), and
// deletions go to `local_table` on every shard (a Distributed table takes no
// ALTER ... DELETE).
//
// One shipper per table: hours are deleted when none of the shipper's data
// directories has them, so every data directory that feeds the table must be
// given to the same shipper. ship_claim.h enforces it: every run first checks
// that this shipper owns the table, and a refused run changes nothing.
//
// Thread-safety: not thread-safe; one Shipper per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "libkpi/read/read_problem.h"
#include "libkpi/ingest/schema.h"
#include "libkpi/ship/clickhouse_client.h"
#include "libkpi/ship/clickhouse_schema.h"
#include "libkpi/ship/ship_claim.h"
#include "libkpi/ship/ship_plan.h"
#include "libkpi/util/status.h"
#include "libkpi/util/time_range.h"

namespace kpi {

struct ShipOptions {
  std::vector<std::string> data_dirs;
  TimeRange range;  // widened to whole hours
  std::string table = "kpi_records";
  // Non-empty: `table` is a Distributed table over `local_table` on the
  // shards of this cluster (remote_servers in the entry server's config).
  std::string cluster;
  std::string local_table = "kpi_local";
  std::string state_file;
  // Claim the table on the first run even when another shipper holds it
  // (ship_claim.h): for a shipper that is gone for good.
  bool take_over = false;
};

struct ShipEvent {
  enum class Kind { kShipped, kReshipped, kDropped, kMismatch };
  Kind kind = Kind::kShipped;
  int64_t hour_ms = 0;
  uint64_t kpi_records = 0;         // sent (0 for a drop)
  uint64_t clickhouse_records = 0;  // counted with FINAL after the change
};

struct ShipReport {
  uint64_t hours_shipped = 0;
  uint64_t hours_reshipped = 0;
  uint64_t hours_dropped = 0;
  uint64_t hours_unchanged = 0;
  uint64_t hours_open = 0;
  uint64_t records_shipped = 0;
  uint64_t mismatches = 0;
  uint64_t unknown_members = 0;    // members the schema does not name, left out
  uint64_t mismatched_values = 0;  // values that did not fit their column, sent as NULL
  uint64_t bad_records = 0;        // lines that are not records, not sent
  ReadProblems problems;           // damage met while reading the store
};

class Shipper {
 public:
  using Observer = std::function<void(const ShipEvent&)>;

  // `entry` holds `options.table`; `shards` (with options.cluster) the
  // servers of its shards, each holding options.local_table.
  Shipper(ShipOptions options, const Schema& schema, std::unique_ptr<ClickHouseClient> entry,
          std::vector<std::unique_ptr<ClickHouseClient>> shards);
  ~Shipper();

  // Creates the tables that are missing and checks the table's engine.
  Status Prepare();
  // One pass over the range; `observer` hears of every hour changed.
  // InvalidArgument, before anything is read or changed, when another
  // shipper owns the table.
  Status RunOnce(const Observer& observer, ShipReport* report);

 private:
  Status CheckEngine();
  Status ListStore(std::vector<StoreHour>* hours) const;
  Status ClickHouseHours(std::set<int64_t>* hours);
  Status InsertHour(int64_t hour_ms, uint64_t* sent, ShipReport* report);
  Status CountHours(const std::string& condition, uint64_t* count);
  Status ShipHour(int64_t hour_ms, bool reship, ShipEvent* event, ShipReport* report);
  Status DropHours(const std::vector<int64_t>& hours);
  std::string Target() const;

  ShipOptions options_;
  std::vector<ClickHouseColumn> columns_;
  Status columns_status_;
  std::unique_ptr<ClickHouseClient> entry_;
  std::vector<std::unique_ptr<ClickHouseClient>> shards_;
  std::string insert_sql_;
  ShipClaim claim_;
  bool take_over_pending_;
};

// The SQL condition for a set of hours, contiguous hours joined into one range.
std::string HoursCondition(const std::vector<int64_t>& hours);

}  // namespace kpi

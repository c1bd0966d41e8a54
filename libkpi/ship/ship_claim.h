// ShipClaim: makes sure that one shipper, and only one, keeps a ClickHouse
// table in step with a store.
//
// Why: a shipper deletes from the table every hour its own data directories
// do not hold, and starts an hour afresh when ClickHouse counts more rows
// than it sent. Two shippers of one table (kpi-ship enabled on two kpid
// nodes, each with its own store) would delete each other's rows, pass after
// pass, and the table would silently lose records.
//
// The claim is a row in `<table>_shipper` on the entry server (a MergeTree
// table it creates): who ships (`<hostname>:<absolute state file path>`,
// stable across runs and when the state file is deleted), the data
// directories it was given, and when it claimed (ms since the epoch). The
// oldest row owns the table (ties broken by name), so two shippers that
// claim a free table at once agree on the owner as soon as both rows are
// visible. A shipper that does not own the table is refused before it
// reads, inserts or deletes anything. Taking over (an owner that is gone for
// good) inserts the new row and then deletes every other one.
//
// Thread-safety: not thread-safe; one claim per thread.
#pragma once

#include <cstdint>
#include <string>

#include "libkpi/ship/clickhouse_client.h"
#include "libkpi/util/status.h"

namespace kpi {

struct ShipperIdentity {
  std::string name;       // <hostname>:<absolute state file path>
  std::string data_dirs;  // as given, separated by spaces
};

// The identity of a shipper on this host with `state_file` and `data_dirs`.
ShipperIdentity ThisShipper(const std::string& state_file,
                            const std::vector<std::string>& data_dirs);

class ShipClaim {
 public:
  // `entry` must outlive the claim; `table` is a plain [db.]table name.
  ShipClaim(ClickHouseClient* entry, std::string table, ShipperIdentity me);

  std::string claim_table() const { return table_ + "_shipper"; }

  // Creates the claim table when missing.
  Status Prepare();
  // OK when `me` owns the table, claiming it first if nobody does, or (with
  // take_over) in place of whoever does; InvalidArgument naming the owner
  // and what to do when another shipper owns it.
  Status Check(bool take_over);

 private:
  struct Owner {
    std::string name, data_dirs;
    int64_t claimed_ms = 0;
  };
  Status ReadOwner(Owner* owner, bool* found);
  Status Insert();
  Status DeleteOthers();
  Status Refusal(const Owner& owner) const;

  ClickHouseClient* entry_;
  std::string table_;
  ShipperIdentity me_;
};

}  // namespace kpi

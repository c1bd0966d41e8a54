#include "libkpi/ship/ship_claim.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "libkpi/ship/clickhouse_mutation.h"
#include "libkpi/ship/clickhouse_rows.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

// 'text' as an SQL string literal.
std::string SqlString(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

std::string TsvEscaped(const std::string& text) {
  std::string escaped;
  AppendTsvEscaped(&escaped, text);
  return escaped;
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

}  // namespace

ShipperIdentity ThisShipper(const std::string& state_file,
                            const std::vector<std::string>& data_dirs) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  ShipperIdentity me;
  me.name = std::string(host[0] ? host : "unknown-host") + ":" + AbsolutePath(state_file);
  for (const std::string& dir : data_dirs) {
    me.data_dirs += (me.data_dirs.empty() ? "" : " ") + dir;
  }
  return me;
}

ShipClaim::ShipClaim(ClickHouseClient* entry, std::string table, ShipperIdentity me)
    : entry_(entry), table_(std::move(table)), me_(std::move(me)) {}

Status ShipClaim::Prepare() {
  return entry_->Execute("CREATE TABLE IF NOT EXISTS " + claim_table() +
                             " (shipper String, data_dirs String, claimed_ms Int64)"
                             " ENGINE = MergeTree ORDER BY claimed_ms",
                         nullptr);
}

Status ShipClaim::Check(bool take_over) {
  Owner owner;
  bool found = false;
  KPI_RETURN_IF_ERROR(ReadOwner(&owner, &found));
  if (found && owner.name == TsvEscaped(me_.name)) return Status::OK();
  if (found && !take_over) return Refusal(owner);
  KPI_RETURN_IF_ERROR(Insert());
  if (take_over) KPI_RETURN_IF_ERROR(DeleteOthers());
  // Another shipper may have claimed the free table at the same moment: the
  // oldest claim wins, and both see the same one once both rows are in.
  KPI_RETURN_IF_ERROR(ReadOwner(&owner, &found));
  if (found && owner.name == TsvEscaped(me_.name)) return Status::OK();
  return found ? Refusal(owner)
               : Status::IOError("ClickHouse " + entry_->url() + ": the claim written to " +
                                 claim_table() + " is not there; retry");
}

Status ShipClaim::ReadOwner(Owner* owner, bool* found) {
  std::string answer;
  KPI_RETURN_IF_ERROR(entry_->Execute("SELECT shipper, data_dirs, claimed_ms FROM " +
                                          claim_table() +
                                          " ORDER BY claimed_ms, shipper LIMIT 1",
                                      &answer));
  *found = !answer.empty();
  if (!*found) return Status::OK();
  const size_t tab1 = answer.find('\t');
  const size_t tab2 = tab1 == std::string::npos ? tab1 : answer.find('\t', tab1 + 1);
  if (tab2 == std::string::npos) {
    return Status::Corruption("ClickHouse " + entry_->url() + ": " + claim_table() +
                              " answered '" + answer + "'; expected shipper, data_dirs, "
                              "claimed_ms (drop the table to claim it afresh)");
  }
  owner->name = answer.substr(0, tab1);
  owner->data_dirs = answer.substr(tab1 + 1, tab2 - tab1 - 1);
  owner->claimed_ms = std::strtoll(answer.c_str() + tab2 + 1, nullptr, 10);
  return Status::OK();
}

Status ShipClaim::Insert() {
  return entry_->Execute("INSERT INTO " + claim_table() + " VALUES (" + SqlString(me_.name) +
                             ", " + SqlString(me_.data_dirs) + ", " +
                             std::to_string(NowMs()) + ")",
                         nullptr);
}

Status ShipClaim::DeleteOthers() {
  return DeleteRowsAndWait(entry_, claim_table(), "shipper != " + SqlString(me_.name));
}

Status ShipClaim::Refusal(const Owner& owner) const {
  return Status::InvalidArgument(
      "ClickHouse table " + table_ + " on " + entry_->url() + " is shipped by " + owner.name +
      " (data dirs " + owner.data_dirs + ", since " + FormatIso(owner.claimed_ms) +
      "; recorded in " + claim_table() + "), not by " + me_.name +
      ": two shippers of one table delete each other's hours. Give every data directory to "
      "that one shipper; if it is gone for good, run this one once with --take-over");
}

}  // namespace kpi

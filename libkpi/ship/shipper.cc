#include "libkpi/ship/shipper.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "libkpi/env/file_system.h"
#include "libkpi/read/record_stream.h"
#include "libkpi/ship/clickhouse_mutation.h"
#include "libkpi/ship/clickhouse_rows.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

constexpr size_t kInsertChunkBytes = 1 << 20;

// [from, to) widened to whole hours.
TimeRange WholeHours(const TimeRange& range) {
  TimeRange hours;
  hours.from_ms = HourStart(range.from_ms);
  hours.to_ms = std::min(kMaxTimeMs, HourStart(range.to_ms + kMsPerHour - 1));
  return hours;
}

Status ParseCount(const std::string& answer, const std::string& what, uint64_t* count) {
  std::istringstream in(answer);
  if (!(in >> *count)) return Status::Corruption("ClickHouse answered '" + answer + "' to " + what);
  return Status::OK();
}

}  // namespace

std::string HoursCondition(const std::vector<int64_t>& hours) {
  std::vector<int64_t> sorted = hours;
  std::sort(sorted.begin(), sorted.end());
  std::string condition;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[j - 1] + kMsPerHour) ++j;
    if (!condition.empty()) condition += " OR ";
    condition += "(timestamp >= " + std::to_string(sorted[i]) +
                 " AND timestamp < " + std::to_string(sorted[j - 1] + kMsPerHour) + ")";
    i = j;
  }
  return condition.empty() ? "0" : condition;
}

Shipper::Shipper(ShipOptions options, const Schema& schema, std::unique_ptr<ClickHouseClient> entry,
                 std::vector<std::unique_ptr<ClickHouseClient>> shards)
    : options_(std::move(options)),
      entry_(std::move(entry)),
      shards_(std::move(shards)),
      claim_(entry_.get(), options_.table, ThisShipper(options_.state_file, options_.data_dirs)),
      take_over_pending_(options_.take_over) {
  columns_status_ = ClickHouseColumns(schema, &columns_);
  insert_sql_ = InsertSql(options_.table, columns_);
}

Shipper::~Shipper() = default;

std::string Shipper::Target() const { return entry_->url() + " " + options_.table; }

Status Shipper::Prepare() {
  KPI_RETURN_IF_ERROR(columns_status_);
  for (const std::string* name : {&options_.table, &options_.local_table}) {
    if (!IsPlainTableName(*name)) {
      return Status::InvalidArgument("table name '" + *name +
                                     "': use [DATABASE.]TABLE of letters, digits and _");
    }
  }
  if (options_.cluster.empty() != shards_.empty()) {
    return Status::InvalidArgument("a Distributed table needs both its cluster and the URL of "
                                   "every shard (to delete purged hours there)");
  }
  for (auto& shard : shards_) {
    KPI_RETURN_IF_ERROR(shard->Execute(CreateTableSql(options_.local_table, columns_), nullptr));
  }
  const std::string create =
      options_.cluster.empty()
          ? CreateTableSql(options_.table, columns_)
          : CreateDistributedSql(options_.table, options_.cluster, options_.local_table, columns_);
  KPI_RETURN_IF_ERROR(entry_->Execute(create, nullptr));
  KPI_RETURN_IF_ERROR(CheckEngine());
  return claim_.Prepare();
}

Status Shipper::CheckEngine() {
  std::string engine;
  KPI_RETURN_IF_ERROR(entry_->Execute(
      "SELECT engine FROM system.tables WHERE " + SystemTablesCondition(options_.table), &engine));
  while (!engine.empty() && engine.back() == '\n') engine.pop_back();
  const std::string expected = options_.cluster.empty() ? "ReplacingMergeTree" : "Distributed";
  if (engine != expected) {
    return Status::InvalidArgument(
        "table " + options_.table + " on " + entry_->url() + " is a " +
        (engine.empty() ? std::string("missing table") : engine) + ", expected a " + expected +
        (engine == "Distributed" ? " (give its cluster and shards)" : "") +
        "; use another table name or create it with the SQL of kpictl(1)");
  }
  return Status::OK();
}

Status Shipper::ListStore(std::vector<StoreHour>* hours) const {
  const TimeRange range = WholeHours(options_.range);
  std::vector<StoreLayout> layouts = LayoutsFor(options_.data_dirs);
  KPI_RETURN_IF_ERROR(CheckDataDirs(layouts));
  for (const StoreLayout& layout : layouts) {
    // An empty directory (a mount that failed) would read as a store whose
    // every hour was purged, and empty the table.
    if (::access(layout.SegmentsRoot().c_str(), R_OK | X_OK) != 0) {
      return Status::NotFound("data dir " + layout.data_dir() +
                              " has no segments/ directory: not a kpi store (is it mounted?); "
                              "nothing was shipped or deleted");
    }
  }
  std::map<int64_t, std::vector<std::string>> segments;
  std::set<int64_t> open;
  for (const StoreLayout& layout : layouts) {
    std::vector<ListedFile> files;
    KPI_RETURN_IF_ERROR(layout.ListWals(range.from_ms, range.to_ms, &files));
    for (const ListedFile& wal : files) open.insert(wal.key.hour_ms);
    KPI_RETURN_IF_ERROR(layout.ListSegments(range.from_ms, range.to_ms, &files));
    for (const ListedFile& segment : files) {
      segments[segment.key.hour_ms].push_back(StoreLayout::SegmentFileName(segment.key) + " " +
                                              std::to_string(segment.size) + "\n");
    }
  }
  for (int64_t hour_ms : open) segments[hour_ms];  // an hour of WALs only
  hours->clear();
  for (auto& [hour_ms, names] : segments) {
    std::sort(names.begin(), names.end());
    StoreHour hour{hour_ms, !open.count(hour_ms), kFingerprintSeed};
    for (const std::string& name : names) hour.fingerprint = FingerprintAdd(hour.fingerprint, name);
    hours->push_back(hour);
  }
  return Status::OK();
}

Status Shipper::ClickHouseHours(std::set<int64_t>* hours) {
  const TimeRange range = WholeHours(options_.range);
  std::string answer;
  KPI_RETURN_IF_ERROR(entry_->Execute(
      "SELECT intDiv(timestamp, 3600000) * 3600000 AS hour FROM " + options_.table +
          " WHERE timestamp >= " + std::to_string(range.from_ms) + " AND timestamp < " +
          std::to_string(range.to_ms) + " GROUP BY hour",
      &answer));
  std::istringstream in(answer);
  int64_t hour_ms = 0;
  while (in >> hour_ms) hours->insert(hour_ms);
  return Status::OK();
}

Status Shipper::CountHours(const std::string& condition, uint64_t* count) {
  std::string answer;
  const std::string sql = "SELECT count() FROM " + options_.table + " FINAL WHERE " + condition;
  KPI_RETURN_IF_ERROR(entry_->Execute(sql, &answer));
  return ParseCount(answer, sql, count);
}

Status Shipper::InsertHour(int64_t hour_ms, uint64_t* sent, ShipReport* report) {
  StreamOptions stream_options;
  stream_options.data_dirs = options_.data_dirs;
  stream_options.range = TimeRange{hour_ms, hour_ms + kMsPerHour};
  RecordStream stream(stream_options);
  ClickHouseRowWriter rows(columns_);
  *sent = 0;
  auto source = [&](std::string* chunk, bool* done) {
    while (chunk->size() < kInsertChunkBytes) {
      if (!stream.Next()) {
        *done = true;
        return stream.status();
      }
      if (rows.AppendRow(stream.record().json, chunk).ok()) {
        ++*sent;
      } else {
        ++report->bad_records;
      }
    }
    CrashPoint("ship.chunk");  // tests: a kill -9 with part of the hour sent
    return Status::OK();
  };
  KPI_RETURN_IF_ERROR(entry_->Insert(insert_sql_, source));
  report->unknown_members += rows.unknown_members();
  report->mismatched_values += rows.mismatched_values();
  report->problems.insert(report->problems.end(), stream.problems().begin(),
                          stream.problems().end());
  return Status::OK();
}

Status Shipper::ShipHour(int64_t hour_ms, bool reship, ShipEvent* event, ShipReport* report) {
  uint64_t sent = 0, counted = 0;
  const std::string condition = HourCondition(hour_ms);
  KPI_RETURN_IF_ERROR(InsertHour(hour_ms, &sent, report));
  CrashPoint("ship.inserted");
  KPI_RETURN_IF_ERROR(CountHours(condition, &counted));
  if (counted > sent) {  // rows of records the store no longer has: start the hour afresh
    KPI_RETURN_IF_ERROR(DropHours({hour_ms}));
    KPI_RETURN_IF_ERROR(InsertHour(hour_ms, &sent, report));
    KPI_RETURN_IF_ERROR(CountHours(condition, &counted));
  }
  event->hour_ms = hour_ms;
  event->kpi_records = sent;
  event->clickhouse_records = counted;
  event->kind = counted != sent ? ShipEvent::Kind::kMismatch
                : reship        ? ShipEvent::Kind::kReshipped
                                : ShipEvent::Kind::kShipped;
  return Status::OK();
}

Status Shipper::DropHours(const std::vector<int64_t>& hours) {
  const std::string condition = HoursCondition(hours);
  if (shards_.empty()) {
    KPI_RETURN_IF_ERROR(DeleteRowsAndWait(entry_.get(), options_.table, condition));
  }
  for (auto& shard : shards_) {
    KPI_RETURN_IF_ERROR(DeleteRowsAndWait(shard.get(), options_.local_table, condition));
  }
  uint64_t left = 0;
  KPI_RETURN_IF_ERROR(CountHours(condition, &left));
  if (left != 0) {
    return Status::IOError("ClickHouse " + entry_->url() + ": " + std::to_string(left) +
                           " rows of deleted hours are still in " + options_.table);
  }
  return Status::OK();
}

Status Shipper::RunOnce(const Observer& observer, ShipReport* report) {
  KPI_RETURN_IF_ERROR(claim_.Check(take_over_pending_));
  take_over_pending_ = false;
  ShipState state;
  bool found = false;
  KPI_RETURN_IF_ERROR(ShipState::Load(options_.state_file, &state, &found));
  if (state.target != Target()) state = ShipState{Target(), {}};
  std::vector<StoreHour> store;
  std::set<int64_t> in_clickhouse;
  KPI_RETURN_IF_ERROR(ListStore(&store));
  KPI_RETURN_IF_ERROR(ClickHouseHours(&in_clickhouse));
  const TimeRange range = WholeHours(options_.range);
  const ShipPlan plan = PlanShipment(store, in_clickhouse, state, range.from_ms, range.to_ms);
  report->hours_unchanged += plan.unchanged;
  report->hours_open += plan.open;
  for (int64_t hour_ms : plan.forget) state.hours.erase(hour_ms);
  if (!plan.drop.empty()) {
    KPI_RETURN_IF_ERROR(DropHours(plan.drop));
    CrashPoint("ship.deleted");
    for (int64_t hour_ms : plan.drop) {
      state.hours.erase(hour_ms);
      ++report->hours_dropped;
      observer(ShipEvent{ShipEvent::Kind::kDropped, hour_ms, 0, 0});
    }
  }
  KPI_RETURN_IF_ERROR(state.Save(options_.state_file));
  std::map<int64_t, uint64_t> fingerprints;
  for (const StoreHour& hour : store) fingerprints[hour.hour_ms] = hour.fingerprint;
  std::vector<std::pair<int64_t, bool>> work;  // hour, reship
  for (int64_t hour_ms : plan.ship) work.emplace_back(hour_ms, false);
  for (int64_t hour_ms : plan.reship) work.emplace_back(hour_ms, true);
  std::sort(work.begin(), work.end());
  for (const auto& [hour_ms, reship] : work) {
    ShipEvent event;
    KPI_RETURN_IF_ERROR(ShipHour(hour_ms, reship, &event, report));
    if (event.kind == ShipEvent::Kind::kMismatch) {
      ++report->mismatches;
      state.hours.erase(hour_ms);
    } else {
      ++(reship ? report->hours_reshipped : report->hours_shipped);
      report->records_shipped += event.kpi_records;
      state.hours[hour_ms] = ShippedHour{event.kpi_records, fingerprints[hour_ms]};
    }
    KPI_RETURN_IF_ERROR(state.Save(options_.state_file));
    observer(event);
  }
  return Status::OK();
}

}  // namespace kpi

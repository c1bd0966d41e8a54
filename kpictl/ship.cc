// kpictl ship: keeps a ClickHouse table in step with the store's sealed hours
// (libkpi/ship/shipper.h), once or, with --follow, until SIGINT/SIGTERM.
#include <cstdio>
#include <memory>

#include "kpictl/common.h"
#include "kpictl/exit_codes.h"
#include "libkpi/ship/clickhouse_credentials.h"
#include "libkpi/ship/shipper.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/units.h"

namespace kpictl {
namespace {

struct ShipArgs {
  kpi::QueryArgs query;
  std::string clickhouse;
  std::vector<std::string> shards;
  std::string credentials_file;
  std::string schema_file;
  std::string interval = "60s";
  bool follow = false;
  kpi::ShipOptions options;
};

kpi::Status LoadSchema(const std::string& schema_file, kpi::Schema* schema) {
  if (schema_file.empty()) {
    if (kpi::Schema::LoadFile(KPI_DEFAULT_SCHEMA, schema).ok()) return kpi::Status::OK();
    *schema = kpi::Schema::Default();
    return kpi::Status::OK();
  }
  kpi::Status s = kpi::Schema::LoadFile(schema_file, schema);
  return s.ok() ? s : kpi::Status::InvalidArgument("--schema: " + s.ToString());
}

kpi::Status OpenShipper(const ShipArgs& args, std::unique_ptr<kpi::Shipper>* shipper) {
  kpi::ClickHouseCredentials credentials;
  if (!args.credentials_file.empty()) {
    KPI_RETURN_IF_ERROR(kpi::LoadClickHouseCredentials(args.credentials_file, &credentials));
  }
  kpi::Schema schema = kpi::Schema::Default();
  KPI_RETURN_IF_ERROR(LoadSchema(args.schema_file, &schema));
  std::unique_ptr<kpi::ClickHouseClient> entry;
  KPI_RETURN_IF_ERROR(kpi::ClickHouseClient::Open(args.clickhouse, credentials, &entry));
  std::vector<std::unique_ptr<kpi::ClickHouseClient>> shards(args.shards.size());
  for (size_t i = 0; i < args.shards.size(); ++i) {
    KPI_RETURN_IF_ERROR(kpi::ClickHouseClient::Open(args.shards[i], credentials, &shards[i]));
  }
  kpi::ShipOptions options = args.options;
  options.data_dirs = args.query.data_dirs;
  *shipper = std::make_unique<kpi::Shipper>(options, schema, std::move(entry), std::move(shards));
  return (*shipper)->Prepare();
}

void PrintEvent(const kpi::ShipEvent& event) {
  const std::string hour = kpi::FormatHour(event.hour_ms);
  switch (event.kind) {
    case kpi::ShipEvent::Kind::kShipped:
    case kpi::ShipEvent::Kind::kReshipped:
      std::printf("%s %s %llu records\n",
                  event.kind == kpi::ShipEvent::Kind::kShipped ? "shipped" : "reshipped",
                  hour.c_str(), static_cast<unsigned long long>(event.kpi_records));
      break;
    case kpi::ShipEvent::Kind::kDropped:
      std::printf("dropped %s\n", hour.c_str());
      break;
    case kpi::ShipEvent::Kind::kMismatch:
      kpi::PrintNote("mismatch: hour " + hour + ": kpi sent " + std::to_string(event.kpi_records) +
                     " records, ClickHouse counts " + std::to_string(event.clickhouse_records) +
                     " after FINAL; the hour is shipped again on the next run");
      break;
  }
  std::fflush(stdout);
}

void PrintSummary(const kpi::ShipReport& r) {
  kpi::PrintNote("shipped " + std::to_string(r.hours_shipped) + " hours, reshipped " +
                 std::to_string(r.hours_reshipped) + ", dropped " + std::to_string(r.hours_dropped) +
                 ", unchanged " + std::to_string(r.hours_unchanged) + ", still open " +
                 std::to_string(r.hours_open) + "; " + std::to_string(r.records_shipped) +
                 " records sent");
  if (r.unknown_members + r.mismatched_values + r.bad_records > 0) {
    kpi::PrintNote(std::to_string(r.unknown_members) + " members not in the schema left out, " +
                   std::to_string(r.mismatched_values) + " values of another type sent as NULL, " +
                   std::to_string(r.bad_records) + " unreadable lines not sent");
  }
}

// One pass; the exit code it alone would give.
int ShipOnce(kpi::Shipper* shipper, ShipArgs* args) {
  kpi::ShipReport report;
  kpi::Status s = kpi::ParseTimeRange(args->query.range, kpi::NowMs(), &args->options.range);
  if (s.ok()) s = shipper->RunOnce(PrintEvent, &report);
  if (!args->query.quiet && s.ok()) PrintSummary(report);
  const int code = kpi::ReportAndExit(s, report.problems, args->query.quiet);
  if (code == kpi::kExitOk && report.mismatches > 0) return kpi::kExitStore;
  return code;
}

int RunShip(ShipArgs* args) {
  kpi::InstallStopHandlers();
  std::unique_ptr<kpi::Shipper> shipper;
  int64_t interval_ms = 0;
  kpi::Status s = kpi::ParseDuration(args->interval, "--interval", &interval_ms);
  if (s.ok()) s = kpi::ParseTimeRange(args->query.range, kpi::NowMs(), &args->options.range);
  if (s.ok()) s = OpenShipper(*args, &shipper);
  if (!s.ok()) {
    kpi::PrintError(s);
    return kpi::ExitCodeFor(s);
  }
  int code = ShipOnce(shipper.get(), args);
  while (args->follow && code != kpi::kExitUsage && !kpi::StopRequested()) {
    kpi::PauseUnlessStopped(interval_ms);
    if (!kpi::StopRequested()) code = ShipOnce(shipper.get(), args);
  }
  return code;
}

}  // namespace

CommandMain AddShipCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<ShipArgs>();
  AddRangeArgument(sub, &args->query.range);
  sub->add_option("--clickhouse", args->clickhouse,
                  "the ClickHouse server holding the table, http://HOST[:PORT] (HTTP interface)")
      ->required()
      ->type_name("URL");
  sub->add_option("--state-file", args->options.state_file,
                  "what was shipped, read and rewritten by every run (one per table)")
      ->required()
      ->type_name("FILE");
  sub->add_option("--credentials-file", args->credentials_file,
                  "USER:PASSWORD for ClickHouse, in a file only its owner can read (chmod 600)")
      ->type_name("FILE");
  sub->add_option("--table", args->options.table,
                  "[DATABASE.]TABLE to fill, created when missing (default kpi_records)");
  sub->add_option("--cluster", args->options.cluster,
                  "the table is a Distributed table over this cluster's shards (remote_servers)");
  sub->add_option("--shard", args->shards,
                  "with --cluster: the HTTP URL of every shard, where purged hours are deleted")
      ->type_name("URL");
  sub->add_option("--local-table", args->options.local_table,
                  "with --cluster: the table on each shard (default kpi_local)");
  sub->add_option("--schema", args->schema_file,
                  "schema file naming the columns (default: the installed schema.json, else "
                  "the built-in one)")
      ->type_name("FILE");
  sub->add_flag("-f,--follow", args->follow, "keep shipping hours as kpid seals them");
  sub->add_flag("--take-over", args->options.take_over,
                "claim the table from the shipper that owns it, which must be gone for good "
                "(two shippers of one table delete each other's hours)");
  sub->add_option("--interval", args->interval, "with --follow: the pause between runs (60s)");
  return [args, &global] {
    FillGlobals(global, &args->query);
    return RunShip(args.get());
  };
}

}  // namespace kpictl

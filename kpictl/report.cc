// kpictl report: the KPIs of a range (uses, success rate, time to success,
// funnel, new accounts, email type and number_emails split, per period and
// per group) in one streaming pass, safe to publish: cells built from fewer
// than --min-count records are withheld (libkpi/report/report_suppression.h).
//
// --format text (default) prints aligned tables (report_text.cc), json one
// document (libkpi/report/report_json.h), html one self-contained page
// (libkpi/report/report_html.h). --threads N reads and parses the hours on
// N threads while this one aggregates (libkpi/report/report_workers.h), by
// default one per core up to 4. Every option is also a config key in the
// [report] section of --config's file (e.g. funnel=a,b,c or group=language).
//
// Thread-safety: aggregates on the calling thread.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kpictl/common.h"
#include "kpictl/exit_codes.h"
#include "kpictl/report_text.h"
#include "libkpi/env/output_sink.h"
#include "libkpi/report/report_html.h"
#include "libkpi/report/report_json.h"
#include "libkpi/report/report_query.h"
#include "libkpi/util/time_util.h"

namespace kpi {

// The cores this process may use, at most 4: past that the reading
// threads outrun the one that aggregates.
size_t DefaultReportThreads() {
  return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
}

struct ReportArgs {
  QueryArgs query;
  std::string by = "day";
  std::vector<std::string> groups;
  std::vector<std::string> aliases;
  std::vector<std::string> values;
  std::string success_event = "assertion_generated";
  std::string funnel;  // "" keeps the default
  uint64_t min_count = ReportSpec::kDefaultMinCount;
  std::string format = "text";
  std::string output;  // "" or "-": stdout
  size_t threads = DefaultReportThreads();
};

Status SpecFromArgs(const ReportArgs& args, ReportSpec* spec) {
  KPI_RETURN_IF_ERROR(ParseReportPeriod(args.by, &spec->period));
  for (const std::string& g : args.groups) KPI_RETURN_IF_ERROR(AddReportGroup(g, spec));
  for (const std::string& a : args.aliases) KPI_RETURN_IF_ERROR(AddGroupAlias(a, spec));
  for (const std::string& v : args.values) KPI_RETURN_IF_ERROR(SetGroupValues(v, spec));
  spec->success_event = args.success_event;
  if (!args.funnel.empty()) KPI_RETURN_IF_ERROR(ParseFunnel(args.funnel, &spec->funnel));
  spec->min_count = args.min_count;
  return spec->Validate();
}

Status WriteReport(const ReportArgs& args, const Report& report) {
  std::string text = args.format == "json"   ? RenderReportJson(report)
                     : args.format == "html" ? RenderReportHtml(report)
                                             : RenderReportText(report);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  std::unique_ptr<OutputSink> sink;
  if (args.output.empty() || args.output == "-") {
    sink = OutputSink::Stdout();
  } else {
    KPI_RETURN_IF_ERROR(OutputSink::OpenFile(args.output, 3, &sink));
  }
  KPI_RETURN_IF_ERROR(sink->AppendLine(text));
  return sink->Finish();
}

int RunReport(const ReportArgs& args) {
  Query query;
  ReportSpec spec;
  Report report;
  ReadProblems problems;
  Status s = Query::Parse(args.query, NowMs(), &query);
  if (s.ok()) s = SpecFromArgs(args, &spec);
  if (s.ok()) s = BuildReport(&query, spec, &report, &problems, args.threads);
  if (s.ok()) s = WriteReport(args, report);
  return ReportAndExit(s, problems, args.query.quiet);
}

}  // namespace kpi

namespace kpictl {

CommandMain AddReportCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::ReportArgs>();
  AddRangeArgument(sub, &args->query.range);
  sub->add_option("--by", args->by, "one row per hour, day or week (UTC; weeks start Monday)")
      ->check(CLI::IsMember({"hour", "day", "week"}));
  sub->add_option("--group", args->groups,
                  "break down by FIELD: a member like language, user_agent.os, rp_api, or "
                  "screen_class (desktop/tablet/mobile by screen_size.width); repeatable")
      ->allow_extra_args(false)
      ->type_name("FIELD");
  sub->add_option("--alias", args->aliases,
                  "show a group's VALUE as LABEL, e.g. 'user_agent.os:Windows NT 6.1=Windows 7'; "
                  "repeatable")
      ->allow_extra_args(false)
      ->type_name("FIELD:VALUE=LABEL");
  sub->add_option("--values", args->values,
                  "keep only these labels of a group, the rest count as Other, e.g. "
                  "language=en-US,de,fr; repeatable")
      ->allow_extra_args(false)
      ->type_name("FIELD=V1,V2");
  AddWhereOption(sub, &args->query.where);
  sub->add_option("--success-event", args->success_event,
                  "the event that marks a successful sign-in (default assertion_generated)")
      ->type_name("NAME");
  sub->add_option("--funnel", args->funnel,
                  "funnel steps, comma separated (default window.dom_loading,screen.rp_info,"
                  "user.can_interact,generate_assertion,assertion_generated)")
      ->type_name("EVENTS");
  sub->add_option("--min-count", args->min_count,
                  "withhold every cell built from fewer records than this (default 10)")
      ->check(CLI::PositiveNumber)
      ->type_name("K");
  sub->add_option("--format", args->format, "text (default), json or html")
      ->check(CLI::IsMember({"text", "json", "html"}));
  sub->add_option("--threads", args->threads,
                  "read and parse on N threads (default: the cores, at most 4); the report is "
                  "the same whatever N")
      ->check(CLI::Range(1, 64))
      ->type_name("N");
  sub->add_option("-o,--output", args->output, "write to FILE instead of standard output")
      ->type_name("FILE");
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunReport(*args);
  };
}

}  // namespace kpictl

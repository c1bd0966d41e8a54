// kpictl sample: a uniform random sample of the records of a range (after
// --where), as JSON lines on stdout.
//
//   -n N          exactly min(N, matching) records, each subset of size N
//                 equally likely (without --where: chosen from the indexes'
//                 block counts, reading only their blocks; with it, reservoir
//                 sampling; memory N records)
//   --fraction P  each record independently with probability P
// The same --seed, range, filter and store give the same sample. Without
// --seed a random seed is drawn and printed on stderr (unless -q) so the
// sample can be repeated. Output is in stream order (timestamp, _id) for both
// methods, so a sample reads like a thinner export.
//
// Thread-safety: runs on the calling thread.
#include <cstdint>
#include <optional>
#include <random>

#include "kpictl/common.h"
#include "libkpi/env/output_sink.h"
#include "libkpi/read/sample_query.h"
#include "libkpi/util/time_util.h"

namespace kpi {

struct SampleArgs {
  QueryArgs query;
  SampleSpec spec;  // -n or --fraction
  std::optional<uint64_t> seed;
};


namespace {

Status CheckMethod(const SampleArgs& args) {
  const bool by_count = args.spec.count > 0;
  const bool by_fraction = args.spec.fraction >= 0;
  if (by_count == by_fraction) {
    return Status::InvalidArgument("sample: give exactly one of -n N and --fraction P");
  }
  if (by_fraction && !(args.spec.fraction <= 1)) {
    return Status::InvalidArgument("--fraction " + std::to_string(args.spec.fraction) +
                                   ": must be between 0 and 1");
  }
  return Status::OK();
}

}  // namespace


int RunSample(const SampleArgs& args) {
  Query query;
  ReadProblems problems;
  Status s = CheckMethod(args);
  if (s.ok()) s = Query::Parse(args.query, NowMs(), &query);
  if (!s.ok()) return ReportAndExit(s, problems, args.query.quiet);
  uint64_t seed = 0;
  if (args.seed) {
    seed = *args.seed;
  } else {
    std::random_device device;
    seed = (static_cast<uint64_t>(device()) << 32) | device();
    if (!args.query.quiet) {
      PrintNote("sample seed " + std::to_string(seed) + " (give --seed " + std::to_string(seed) +
                " to repeat this sample)");
    }
  }
  std::unique_ptr<OutputSink> sink = OutputSink::Stdout();
  s = SampleRecords(&query, args.spec, seed, sink.get(), &problems);
  if (s.ok()) s = sink->Finish();
  return ReportAndExit(s, problems, args.query.quiet);
}

}  // namespace kpi

namespace kpictl {

CommandMain AddSampleCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::SampleArgs>();
  AddRangeArgument(sub, &args->query.range);
  AddWhereOption(sub, &args->query.where);
  auto* n = sub->add_option("-n", args->spec.count, "exactly N records, each subset equally likely")
                ->check(CLI::PositiveNumber);
  auto* fraction = sub->add_option("--fraction", args->spec.fraction,
                                   "each record with probability P")
                       ->check(CLI::Range(0.0, 1.0));
  n->excludes(fraction);
  sub->add_option_function<uint64_t>(
         "--seed", [args](const uint64_t& seed) { args->seed = seed; },
         "random seed: the same seed gives the same sample")
      ->type_name("S");
  return [args, &global] {
    FillGlobals(global, &args->query);
    return kpi::RunSample(*args);
  };
}

}  // namespace kpictl

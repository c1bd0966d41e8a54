#include "libkpi/ctl_sample.h"

#include <random>

#include "libkpi/sampler.h"
#include "libkpi/time_util.h"

namespace kpi {
namespace {

Status CheckMethod(const SampleArgs& args) {
  const bool by_count = args.count > 0;
  const bool by_fraction = args.fraction >= 0;
  if (by_count == by_fraction) {
    return Status::InvalidArgument("sample: give exactly one of -n N and --fraction P");
  }
  if (by_fraction && !(args.fraction <= 1)) {
    return Status::InvalidArgument("--fraction " + std::to_string(args.fraction) +
                                   ": must be between 0 and 1");
  }
  return Status::OK();
}

}  // namespace

Status SampleRecords(Query* query, const SampleArgs& args, uint64_t seed, OutputSink* sink,
                     ReadProblems* problems) {
  RecordStream stream(query->ToStreamOptions());
  Status s;
  if (args.count > 0) {
    ReservoirSampler reservoir(args.count, seed);
    while (stream.Next()) reservoir.Offer(stream.record().json);
    for (const std::string& line : reservoir.TakeInStreamOrder()) {
      if (s.ok()) s = sink->AppendLine(line);
    }
  } else {
    BernoulliSampler bernoulli(args.fraction, seed);
    while (s.ok() && stream.Next()) {
      if (bernoulli.Keep()) s = sink->AppendLine(stream.record().json);
    }
  }
  problems->insert(problems->end(), stream.problems().begin(), stream.problems().end());
  return s.ok() ? stream.status() : s;
}

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
  s = SampleRecords(&query, args, seed, sink.get(), &problems);
  if (s.ok()) s = sink->Finish();
  return ReportAndExit(s, problems, args.query.quiet);
}

}  // namespace kpi

#include "libkpi/read/sample_query.h"

#include "libkpi/read/indexed_sample.h"
#include "libkpi/read/record_stream.h"
#include "libkpi/read/sampler.h"

namespace kpi {

Status SampleRecords(Query* query, const SampleSpec& spec, uint64_t seed, OutputSink* sink,
                     ReadProblems* problems, ReadStats* stats) {
  if (spec.count > 0 && query->filter.empty()) {
    return SampleByIndex(query, spec.count, seed, sink, problems, stats);
  }
  RecordStream stream(query->ToStreamOptions());
  Status s;
  if (spec.count > 0) {
    ReservoirSampler reservoir(spec.count, seed);
    while (stream.Next()) reservoir.Offer(stream.record().json);
    for (const std::string& line : reservoir.TakeInStreamOrder()) {
      if (s.ok()) s = sink->AppendLine(line);
    }
  } else {
    BernoulliSampler bernoulli(spec.fraction, seed);
    while (s.ok() && stream.Next()) {
      if (bernoulli.Keep()) s = sink->AppendLine(stream.record().json);
    }
  }
  problems->insert(problems->end(), stream.problems().begin(), stream.problems().end());
  if (stats != nullptr) *stats = stream.stats();
  return s.ok() ? stream.status() : s;
}

}  // namespace kpi

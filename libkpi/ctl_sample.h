// kpictl sample: a uniform random sample of the records of a range (after
// --where), as JSON lines on stdout.
//
//   -n N          exactly min(N, matching) records, each subset of size N
//                 equally likely (reservoir sampling, one pass, memory N
//                 records)
//   --fraction P  each record independently with probability P
// The same --seed, range, filter and store give the same sample. Without
// --seed a random seed is drawn and printed on stderr (unless -q) so the
// sample can be repeated. Output is in stream order (timestamp, _id) for both
// methods, so a sample reads like a thinner export.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <cstdint>
#include <optional>

#include "libkpi/ctl_common.h"
#include "libkpi/output_sink.h"

namespace kpi {

struct SampleArgs {
  QueryArgs query;
  uint64_t count = 0;    // -n; 0: use fraction
  double fraction = -1;  // --fraction; < 0: use count
  std::optional<uint64_t> seed;
};

// Writes the sample of `query` to `sink` (not finished here).
Status SampleRecords(Query* query, const SampleArgs& args, uint64_t seed, OutputSink* sink,
                     ReadProblems* problems);

int RunSample(const SampleArgs& args);

}  // namespace kpi

// SampleRecords: a uniform random sample of the records a Query selects,
// written to an OutputSink in stream order (timestamp, _id), so a sample
// reads like a thinner export.
//
//   count > 0      exactly min(count, matching) records, each subset of that
//                  size equally likely. Without a filter the index's per-block
//                  counts choose the records and only the blocks holding one
//                  are read (indexed_sample.h); with one, reservoir sampling
//                  (one pass). Memory: `count` records either way.
//   fraction >= 0  each record independently with that probability
// The same seed, query and store give the same sample.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <cstdint>

#include "libkpi/env/output_sink.h"
#include "libkpi/read/merge_source.h"
#include "libkpi/read/query.h"
#include "libkpi/read/read_problem.h"
#include "libkpi/util/status.h"

namespace kpi {

struct SampleSpec {
  uint64_t count = 0;    // > 0: sample by count
  double fraction = -1;  // >= 0: sample by fraction (when count is 0)
};

// Writes the sample of `query` to `sink` (not finished here). `stats` (may
// be null) receives what was read.
Status SampleRecords(Query* query, const SampleSpec& spec, uint64_t seed, OutputSink* sink,
                     ReadProblems* problems, ReadStats* stats = nullptr);

}  // namespace kpi

// IndexedSample: `sample -n N` without a filter, reading only the blocks that
// hold a chosen record (issue 16).
//
// How. Pass 1 takes the snapshot of every hour of the range and sorts it:
//   indexed hour   every file is a sound segment of one data directory, no
//                  two compacted segments name a common input, and every
//                  block overlapping the range lies wholly inside it. Its
//                  records cannot have copies (segment.md §11.3), so the
//                  index's per-block record counts are its record count.
//   read hour      anything else (a WAL, damage, several data directories,
//                  a block cut by the range's ends): read through
//                  RecordStream, each record offered to a reservoir of N.
// Then, with M records in indexed hours and R in read hours, the number k of
// chosen records that come from read hours is drawn as N draws without
// replacement from an urn of R and M (hypergeometric), k of the reservoir's
// min(N, R) are kept (selection sampling), and N - k of the M indexed records
// are chosen by selection sampling (Knuth's Algorithm S) over the indexed
// hours' blocks in pass 2; only blocks with a chosen record are decompressed.
// A uniform k-subset of the read records and a uniform (N-k)-subset of the
// indexed ones with that k is a uniform N-subset of all of them.
//
// Each hour's sample is sorted by order key and hours ascend, so the output
// is in stream order like RecordStream's. Memory: N records, plus one block.
// The same seed and store give the same sample; the sample differs from the
// one-pass reservoir's for the same seed.
//
// A store changed between the passes (purge, compaction that changes an
// hour's count) fails with Busy naming the hour; a picked block found damaged
// in pass 2 is reported and its records are missing from the sample.
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

// Writes a uniform sample of min(count, records) records of `query`'s range
// (its filter must be empty) to `sink`. `stats` (may be null) receives the
// blocks read in both passes.
Status SampleByIndex(Query* query, uint64_t count, uint64_t seed, OutputSink* sink,
                     ReadProblems* problems, ReadStats* stats);

}  // namespace kpi

// kpictl export: the records of a range as JSON lines, to stdout or a file
// (".zst" compresses), optionally filtered and projected.
//
// Without --fields each output line is exactly the stored line plus '\n', so
// an export re-imported or compared byte for byte matches the store.
// Records come in order-key order across every data directory. Damaged
// blocks are skipped, reported on stderr, and make the exit code 3; the
// output then holds every readable record.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <cstdint>
#include <string>

#include "libkpi/ctl_common.h"
#include "libkpi/output_sink.h"
#include "libkpi/progress_line.h"

namespace kpi {

struct ExportArgs {
  QueryArgs query;
  std::string output;  // "" or "-": stdout
  int progress = -1;   // -1: when stderr is a terminal, 0 never, 1 always
  int zstd_level = 3;
};

struct ExportResult {
  uint64_t records = 0;
  uint64_t bytes = 0;  // uncompressed JSON bytes written
};

// Streams `query` into `sink` (not finished here), reporting to `progress`.
Status ExportRecords(Query* query, OutputSink* sink, ProgressLine* progress, ExportResult* result,
                     ReadProblems* problems);

// ExportRecords with the progress line args.progress asks for, then
// finishes `sink` (only when the export succeeded).
Status ExportAndFinish(const ExportArgs& args, Query* query, OutputSink* sink,
                       ReadProblems* problems);

// Where the export goes: stdout for "" or "-", else args.output (zstd
// compressed at args.zstd_level when it ends in .zst).
Status OpenExportOutput(const ExportArgs& args, std::unique_ptr<OutputSink>* out);

// Bytes of the segment and WAL files of `range`, for progress estimates.
uint64_t EstimateInputBytes(const std::vector<std::string>& data_dirs, const TimeRange& range);

// The whole command; returns the exit code (exit_codes.h).
int RunExport(const ExportArgs& args);

}  // namespace kpi

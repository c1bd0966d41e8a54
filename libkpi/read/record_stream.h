// RecordStream: the query engine. Reads the records of a time range from one
// or more data directories in order-key order (timestamp, _id), applies the
// --where filter and the --fields projection, and keeps going past damage.
//
// How: for each hour overlapping the range, ascending (hours with a segment
// directory plus hours that only have WALs), take an HourSnapshot (see
// hour_snapshot.h for why that sees each record exactly once while kpid seals
// and kpictl compacts), then k-way merge the hour's files. Segments are read
// block by block, and only blocks whose index entry overlaps the range are
// decompressed; WALs through their sorted (timestamp, offset) lists. Several
// data directories are merged as one store: ids carry their writer, writers
// never share an id, so the order is global. Memory: one block (or one WAL
// frame plus 24 bytes per WAL record) per file of the current hour.
//
// A record that several files hold (a copy, format-spec/segment.md §11.3) is
// returned once: the merge drops a record whose order key equals the last.
//
// Damage never stops the stream: a block that fails its checks is skipped and
// recorded in problems() (file, block, offset, message), and the stream goes
// on. Only a store-level failure (a data directory missing, an I/O error while
// listing, endless churn) ends it with a non-OK status().
//
// Thread-safety: not thread-safe; one stream per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libkpi/read/field_projection.h"
#include "libkpi/read/hour_snapshot.h"
#include "libkpi/read/merge_source.h"
#include "libkpi/read/merging_iterator.h"
#include "libkpi/read/read_problem.h"
#include "libkpi/read/record_filter.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"
#include "libkpi/util/time_range.h"

namespace kpi {

struct StreamOptions {
  std::vector<std::string> data_dirs;
  TimeRange range;
  RecordFilter* filter = nullptr;         // not owned; null or empty: every record
  FieldProjection* projection = nullptr;  // not owned; null or empty: stored lines
  FileSystem* fs = nullptr;               // not owned; null: FileSystem::Default()
  // When not empty: read exactly these hours (ascending, as ListRangeHours
  // lists the range's), so that readers splitting one range between them
  // check the data directories and list its hours once.
  std::vector<int64_t> hours;
};

class RecordStream {
 public:
  explicit RecordStream(StreamOptions options);
  ~RecordStream();
  RecordStream(const RecordStream&) = delete;
  RecordStream& operator=(const RecordStream&) = delete;

  // Moves to the next matching record. False at the end or when the stream
  // failed (then status() says why).
  bool Next();
  // The current record: `json` is the stored line (or its projection) and
  // stays valid until the next call to Next().
  const RecordView& record() const { return current_; }

  Status status() const { return status_; }
  const ReadProblems& problems() const { return problems_; }
  const ReadStats& stats() const { return stats_; }
  uint64_t records_returned() const { return returned_; }

 private:
  Status Start();
  bool OpenNextHour();
  bool NextMerged();
  bool Accept();

  StreamOptions options_;
  std::vector<StoreLayout> layouts_;
  bool started_ = false;
  Status status_;
  std::vector<int64_t> hours_;
  size_t next_hour_ = 0;

  // The current hour: its open files, their runs, and their merge, which
  // must move past the record returned last before the next is looked at.
  std::unique_ptr<HourSnapshot> snapshot_;
  std::vector<std::unique_ptr<MergeSource>> sources_;
  MergingIterator merge_;
  bool advance_ = false;

  RecordView current_;
  std::string projected_;
  ReadProblems problems_;
  ReadStats stats_;
  uint64_t returned_ = 0;
};

// StoreLayouts for the given data directories, in order, reading through
// `fs` (nullptr: FileSystem::Default()).
std::vector<StoreLayout> LayoutsFor(const std::vector<std::string>& data_dirs,
                                    FileSystem* fs = nullptr);

// The checks a stream starts with (data directories given, each a store),
// then the hours of [from_ms, to_ms) that any of them holds, ascending.
Status ListRangeHours(const std::vector<StoreLayout>& layouts, int64_t from_ms, int64_t to_ms,
                      std::vector<int64_t>* hours);

}  // namespace kpi

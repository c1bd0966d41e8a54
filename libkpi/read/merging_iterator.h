// MergingIterator: the k-way merge of sorted runs (MergeSource) into one run
// in order-key order (format/order_key.h), each record once: a record whose
// order key equals the one returned just before it is a copy (segment.md
// §11.3: a WAL beside its segment, compaction inputs beside the output) and
// is skipped. RecordStream merges an hour's files with it for readers and
// the compactor for its output, as LevelDB's MergingIterator serves both
// reads and compaction.
//
// The sources are not owned and must outlive the iterator; views returned by
// current() stay valid until Next().
//
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/read/merge_source.h"

namespace kpi {

class MergingIterator {
 public:
  MergingIterator() = default;
  // Starts over on `sources` (runs in order-key order) at their least record.
  // (copies_skipped counts on over every Reset.)
  void Reset(std::vector<MergeSource*> sources);

  bool Valid() const { return current_ != nullptr; }
  const RecordView& current() const { return current_->current(); }
  // To the next record that is not a copy of this one.
  void Next();

  uint64_t copies_skipped() const { return copies_skipped_; }

 private:
  // Pops the least run to current_ (null when every run is done).
  void PopLeast();

  std::vector<MergeSource*> heap_;    // runs with records, least first (std::*_heap)
  MergeSource* current_ = nullptr;    // the run whose record is current(), not in heap_
  int64_t last_timestamp_ = 0;        // the order key Next moves past
  std::string last_id_;               // (reused: no allocation per record)
  uint64_t copies_skipped_ = 0;
};

}  // namespace kpi

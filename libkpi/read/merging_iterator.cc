// See merging_iterator.h.
#include "libkpi/read/merging_iterator.h"

#include <algorithm>
#include <string_view>

#include "libkpi/format/order_key.h"

namespace kpi {
namespace {

// std::*_heap keep the greatest element first; this makes it the least.
bool Later(const MergeSource* a, const MergeSource* b) {
  const RecordView& x = a->current();
  const RecordView& y = b->current();
  return OrderKeyLess(y.timestamp_ms, y.id, x.timestamp_ms, x.id);
}

}  // namespace

void MergingIterator::Reset(std::vector<MergeSource*> sources) {
  heap_.clear();
  for (MergeSource* source : sources) {
    if (source->Valid()) heap_.push_back(source);
  }
  std::make_heap(heap_.begin(), heap_.end(), Later);
  current_ = nullptr;
  PopLeast();
}

void MergingIterator::PopLeast() {
  if (heap_.empty()) {
    current_ = nullptr;
    return;
  }
  std::pop_heap(heap_.begin(), heap_.end(), Later);
  current_ = heap_.back();
  heap_.pop_back();
}

void MergingIterator::Next() {
  // The views die with the run's Next(); the copy test needs the last key.
  last_timestamp_ = current_->current().timestamp_ms;
  last_id_.assign(current_->current().id);
  for (;;) {
    current_->Next();
    if (current_->Valid()) {
      heap_.push_back(current_);
      std::push_heap(heap_.begin(), heap_.end(), Later);
    }
    PopLeast();
    if (current_ == nullptr) return;
    const RecordView& r = current_->current();
    if (r.timestamp_ms != last_timestamp_ || r.id != std::string_view(last_id_)) return;
    ++copies_skipped_;
  }
}

}  // namespace kpi

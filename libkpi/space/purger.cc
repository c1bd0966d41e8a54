#include "libkpi/space/purger.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <set>

#include "libkpi/space/compactor.h"
#include "libkpi/env/file_system.h"
#include "libkpi/read/hour_snapshot.h"
#include "libkpi/space/maintenance_lock.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/units.h"

namespace kpi {

const char* PurgeLimitName(PurgeLimit limit) {
  switch (limit) {
    case PurgeLimit::kBefore:
      return "age";
    case PurgeLimit::kRange:
      return "range";
    case PurgeLimit::kMaxBytes:
      return "size budget";
    case PurgeLimit::kKeepFree:
      return "free-space goal";
  }
  return "limit";
}
namespace {

struct Candidate {
  PurgeUnit unit;
  size_t dir = 0;  // index into the layouts
  bool chosen = false;
};

// The free-space situation of one file system holding some data dirs.
struct FileSystemSpace {
  uint64_t device = 0;
  std::string first_dir;
  uint64_t free_bytes = 0;
  uint64_t total_bytes = 0;
  uint64_t block = 4096;  // unlinking a file frees its size rounded up to this
};

uint64_t Allocated(uint64_t size, uint64_t block) { return (size + block - 1) / block * block; }

// Lists WALs then segments (hour_snapshot.h: a WAL sealed meanwhile shows up
// as its segment, so an open hour is never mistaken for a closed one).
Status ListCandidates(const std::vector<StoreLayout>& layouts, int64_t now_ms,
                      std::vector<Candidate>* out) {
  const int64_t current_hour = HourStart(now_ms);
  for (size_t d = 0; d < layouts.size(); ++d) {
    std::vector<ListedFile> wals, segments;
    KPI_RETURN_IF_ERROR(layouts[d].ListWals(kMinTimeMs, kMaxTimeMs, &wals));
    KPI_RETURN_IF_ERROR(layouts[d].ListSegments(kMinTimeMs, kMaxTimeMs, &segments));
    std::map<int64_t, Candidate> hours;
    auto unit_of = [&](int64_t hour_ms) -> PurgeUnit& {
      auto [it, added] = hours.try_emplace(hour_ms);
      Candidate& c = it->second;
      if (added) {
        c.dir = d;
        c.unit.data_dir = layouts[d].data_dir();
        c.unit.hour_ms = hour_ms;
        c.unit.open = hour_ms >= current_hour;
      }
      return c.unit;
    };
    for (ListedFile& w : wals) {
      PurgeUnit& u = unit_of(w.key.hour_ms);
      u.open = true;
      u.bytes += w.size;
      u.wals.push_back(std::move(w));
    }
    for (ListedFile& s : segments) {
      PurgeUnit& u = unit_of(s.key.hour_ms);
      u.bytes += s.size;
      u.segments.push_back(std::move(s));
    }
    for (auto& [hour, c] : hours) out->push_back(std::move(c));
  }
  std::stable_sort(out->begin(), out->end(), [](const Candidate& a, const Candidate& b) {
    return a.unit.hour_ms < b.unit.hour_ms;
  });
  return Status::OK();
}

Status ReadSpace(const std::vector<StoreLayout>& layouts, std::vector<FileSystemSpace>* spaces,
                 std::vector<size_t>* space_of_dir) {
  for (const StoreLayout& layout : layouts) {
    DiskSpace space;
    KPI_RETURN_IF_ERROR(layout.fs()->GetDiskSpace(layout.data_dir(), &space));
    auto same = std::find_if(spaces->begin(), spaces->end(),
                             [&](const FileSystemSpace& s) { return s.device == space.device; });
    space_of_dir->push_back(static_cast<size_t>(same - spaces->begin()));
    if (same != spaces->end()) continue;
    spaces->push_back(FileSystemSpace{space.device, layout.data_dir(), space.free_bytes,
                                      space.total_bytes, space.block_bytes});
  }
  return Status::OK();
}

class Selection {
 public:
  Selection(const PurgeOptions& options, std::vector<Candidate>* candidates,
            std::vector<PurgeResult::Unmet>* unmet)
      : options_(options), candidates_(*candidates), unmet_(*unmet) {}

  void ByTime();
  void ByBudget(uint64_t store_bytes);
  void ByFreeSpace(const std::vector<FileSystemSpace>& spaces,
                   const std::vector<size_t>& space_of_dir);

 private:
  bool Eligible(const Candidate& c) const { return !c.chosen && (!c.unit.open || options_.include_open); }
  void Choose(Candidate* c, PurgeLimit limit) {
    c->chosen = true;
    c->unit.limit = limit;
  }
  size_t OpenKept() const {
    return static_cast<size_t>(std::count_if(candidates_.begin(), candidates_.end(),
                                             [](const Candidate& c) { return !c.chosen; }));
  }

  const PurgeOptions& options_;
  std::vector<Candidate>& candidates_;
  std::vector<PurgeResult::Unmet>& unmet_;
};

void Selection::ByTime() {
  for (Candidate& c : candidates_) {
    const int64_t start = c.unit.hour_ms, end = start + kMsPerHour;
    if (!Eligible(c)) continue;
    if (options_.before_ms && end <= *options_.before_ms) {
      Choose(&c, PurgeLimit::kBefore);
    } else if (options_.range && start >= options_.range->from_ms && end <= options_.range->to_ms) {
      Choose(&c, PurgeLimit::kRange);
    }
  }
}

void Selection::ByBudget(uint64_t store_bytes) {
  if (!options_.max_bytes) return;
  uint64_t remaining = store_bytes;
  for (const Candidate& c : candidates_) {
    if (c.chosen) remaining -= c.unit.bytes;
  }
  for (Candidate& c : candidates_) {
    if (remaining <= *options_.max_bytes) return;
    if (!Eligible(c)) continue;
    Choose(&c, PurgeLimit::kMaxBytes);
    remaining -= c.unit.bytes;
  }
  if (remaining > *options_.max_bytes) {
    unmet_.push_back({PurgeLimit::kMaxBytes, *options_.max_bytes,
                      "the store still uses " + FormatSize(remaining) + " in " +
                          std::to_string(OpenKept()) + " hours that are open" +
                          (options_.include_open ? "" : " (open hours were not to be purged)")});
  }
}

void Selection::ByFreeSpace(const std::vector<FileSystemSpace>& spaces,
                            const std::vector<size_t>& space_of_dir) {
  if (!options_.keep_free_bytes && !options_.keep_free_percent) return;
  for (size_t f = 0; f < spaces.size(); ++f) {
    const FileSystemSpace& space = spaces[f];
    uint64_t goal = options_.keep_free_bytes.value_or(0);
    if (options_.keep_free_percent) {
      goal = std::max(goal, static_cast<uint64_t>(*options_.keep_free_percent / 100.0 *
                                                  static_cast<double>(space.total_bytes)));
    }
    auto frees = [&](const Candidate& c) {
      uint64_t n = 0;
      for (const ListedFile& s : c.unit.segments) n += Allocated(s.size, space.block);
      if (options_.include_open) {
        for (const ListedFile& w : c.unit.wals) n += Allocated(w.size, space.block);
      }
      return n;
    };
    uint64_t free_after = space.free_bytes;
    for (const Candidate& c : candidates_) {
      if (c.chosen && space_of_dir[c.dir] == f) free_after += frees(c);
    }
    for (Candidate& c : candidates_) {
      if (free_after >= goal) break;
      if (space_of_dir[c.dir] != f || !Eligible(c)) continue;
      Choose(&c, PurgeLimit::kKeepFree);
      free_after += frees(c);
    }
    if (free_after < goal) {
      unmet_.push_back({PurgeLimit::kKeepFree, goal,
                        "on the file system of " + space.first_dir + " only about " +
                            FormatSize(free_after) +
                            " can be freed by removing closed hours of the store"});
    }
  }
}

// Refuses include_open when a running kpid owns a WAL that would go.
Status CheckWritersStopped(const std::vector<StoreLayout>& layouts,
                           const std::vector<Candidate>& candidates) {
  for (const Candidate& c : candidates) {
    if (!c.chosen) continue;
    for (const ListedFile& w : c.unit.wals) {
      bool held = false;
      KPI_RETURN_IF_ERROR(WriterLockHeld(layouts[c.dir], w.key.writer, &held));
      if (!held) continue;
      return Status::Busy(w.path + " belongs to writer " + w.key.writer +
                          ", and a running kpid holds " + layouts[c.dir].WriterDir(w.key.writer) +
                          "/lock: purging open hours never removes a live kpid's files; stop "
                          "kpid first, or leave the hour to kpid's retention once sealed");
    }
  }
  return Status::OK();
}

// Removes emptied directories bottom-up and syncs each directory that a
// removal changed and that still stands: one fsync per directory.
class DirectoryTidier {
 public:
  DirectoryTidier(FileSystem* fs, bool sync) : fs_(fs), sync_(sync) {}

  void Changed(const std::string& dir) { changed_.insert(dir); }
  // Tries to remove the hour dir; a dir that is not empty (a kpid seal in
  // progress, a foreign file) stays and is synced instead.
  void RemoveIfEmpty(const std::string& dir, const std::string& stop_at);
  Status Finish(const std::string& segments_root);

 private:
  FileSystem* fs_;
  bool sync_;
  std::set<std::string> changed_;
  std::set<std::string> emptied_parents_;
};

void DirectoryTidier::RemoveIfEmpty(const std::string& dir, const std::string& stop_at) {
  if (dir == stop_at || !fs_->RemoveDir(dir).ok()) {
    changed_.insert(dir);
    return;
  }
  changed_.erase(dir);
  emptied_parents_.insert(DirName(dir));
}

Status DirectoryTidier::Finish(const std::string& segments_root) {
  // Day, month and year directories, deepest first: three rounds.
  for (int level = 0; level < 3; ++level) {
    std::set<std::string> parents;
    parents.swap(emptied_parents_);
    for (const std::string& dir : parents) RemoveIfEmpty(dir, segments_root);
  }
  for (const std::string& dir : emptied_parents_) changed_.insert(dir);
  if (!sync_) return Status::OK();
  for (const std::string& dir : changed_) {
    Status s = fs_->SyncDir(dir);
    // A directory a racing purge removed needs no sync; fsync needs no space.
    if (!s.ok() && !s.IsNotFound() && !s.IsNoSpace()) return s;
  }
  return Status::OK();
}

Status RemoveListed(FileSystem* fs, const std::vector<ListedFile>& files, uint64_t* count) {
  for (const ListedFile& f : files) {
    Status s = fs->RemoveFile(f.path);
    if (!s.ok() && !s.IsNotFound()) return s;
    ++*count;
  }
  return Status::OK();
}

Status Execute(const std::vector<StoreLayout>& layouts, std::vector<Candidate>& candidates,
               bool sync, PurgeResult* result,
               const std::function<void(const PurgeUnit&)>& on_unit) {
  std::vector<DirectoryTidier> tidiers;
  for (const StoreLayout& layout : layouts) tidiers.emplace_back(layout.fs(), sync);
  for (Candidate& c : candidates) {
    if (!c.chosen) continue;
    const StoreLayout& layout = layouts[c.dir];
    KPI_RETURN_IF_ERROR(RemoveListed(layout.fs(), c.unit.segments, &result->segments_removed));
    KPI_RETURN_IF_ERROR(RemoveListed(layout.fs(), c.unit.wals, &result->wals_removed));
    if (!c.unit.wals.empty()) tidiers[c.dir].Changed(layout.WalDir());
    if (!c.unit.segments.empty()) {
      tidiers[c.dir].RemoveIfEmpty(layout.HourDir(c.unit.hour_ms), layout.SegmentsRoot());
    }
    result->bytes_removed += c.unit.bytes;
    if (on_unit) on_unit(c.unit);
    result->removed.push_back(std::move(c.unit));
  }
  for (size_t d = 0; d < layouts.size(); ++d) {
    KPI_RETURN_IF_ERROR(tidiers[d].Finish(layouts[d].SegmentsRoot()));
  }
  return Status::OK();
}

// Rolls interrupted compactions forward (compactor.h) in the hours whose
// listing shows a compacted segment beside other segments: the only hours
// where a crash can have left superseded inputs. Walking every hour
// directory instead would double the cost of a purge.
Status RollForwardListed(const std::vector<StoreLayout>& layouts,
                         const std::vector<Candidate>& candidates, bool* rolled) {
  for (const Candidate& c : candidates) {
    const auto& segments = c.unit.segments;
    const bool compacted = std::any_of(segments.begin(), segments.end(), [](const ListedFile& f) {
      return f.key.writer == kCompactWriterId;
    });
    if (!compacted || segments.size() < 2) continue;
    RollForwardResult result;
    KPI_RETURN_IF_ERROR(FinishInterruptedCompactions(
        layouts[c.dir], TimeRange{c.unit.hour_ms, c.unit.hour_ms + kMsPerHour}, &result));
    *rolled = *rolled || result.inputs_removed > 0;
  }
  return Status::OK();
}

Status ValidateOptions(const PurgeOptions& o) {
  if (!o.AnyLimit()) {
    return Status::InvalidArgument(
        "purge needs a limit: an age, a range, a size budget or a free-space goal "
        "(nothing is removed without one)");
  }
  if (o.keep_free_percent && (*o.keep_free_percent < 0 || *o.keep_free_percent > 100)) {
    return Status::InvalidArgument("free-space goal " + std::to_string(*o.keep_free_percent) +
                                   " is not a percentage between 0 and 100");
  }
  if (o.data_dirs.empty()) return Status::InvalidArgument("no data directory given");
  return Status::OK();
}

}  // namespace

Purger::Purger(PurgeOptions options) : options_(std::move(options)) {
  options_.fs = FileSystem::OrDefault(options_.fs);
  if (options_.now_ms == 0) options_.now_ms = options_.fs->NowMs();
}

Status Purger::Run(PurgeResult* result, const std::function<void(const PurgeUnit&)>& on_unit) {
  *result = PurgeResult();
  KPI_RETURN_IF_ERROR(ValidateOptions(options_));
  std::vector<StoreLayout> layouts;
  for (const std::string& dir : options_.data_dirs) layouts.emplace_back(dir, options_.fs);
  KPI_RETURN_IF_ERROR(CheckDataDirs(layouts));
  std::unique_ptr<MaintenanceLock> lock;
  KPI_RETURN_IF_ERROR(MaintenanceLock::Acquire(
      layouts, MaintenanceLock::IfDiskFull::kProceedUnlocked, &lock));
  std::vector<Candidate> candidates;
  KPI_RETURN_IF_ERROR(ListCandidates(layouts, options_.now_ms, &candidates));
  if (!options_.dry_run && options_.roll_forward && lock->held()) {
    bool rolled = false;
    KPI_RETURN_IF_ERROR(RollForwardListed(layouts, candidates, &rolled));
    if (rolled) {  // superseded inputs went: list again for exact sizes
      candidates.clear();
      KPI_RETURN_IF_ERROR(ListCandidates(layouts, options_.now_ms, &candidates));
    }
  }
  for (const Candidate& c : candidates) result->store_bytes_before += c.unit.bytes;
  std::vector<FileSystemSpace> spaces;
  std::vector<size_t> space_of_dir;
  KPI_RETURN_IF_ERROR(ReadSpace(layouts, &spaces, &space_of_dir));

  Selection selection(options_, &candidates, &result->unmet);
  selection.ByTime();
  selection.ByBudget(result->store_bytes_before);
  selection.ByFreeSpace(spaces, space_of_dir);
  if (options_.include_open) KPI_RETURN_IF_ERROR(CheckWritersStopped(layouts, candidates));
  if (!options_.dry_run) return Execute(layouts, candidates, options_.sync, result, on_unit);
  for (Candidate& c : candidates) {
    if (!c.chosen) continue;
    result->bytes_removed += c.unit.bytes;
    result->segments_removed += c.unit.segments.size();
    result->wals_removed += c.unit.wals.size();
    if (on_unit) on_unit(c.unit);
    result->removed.push_back(std::move(c.unit));
  }
  return Status::OK();
}

}  // namespace kpi

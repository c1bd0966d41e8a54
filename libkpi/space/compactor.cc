#include "libkpi/space/compactor.h"

#include <zstd.h>

#include <algorithm>
#include <memory>
#include <set>

#include "libkpi/env/file_system.h"
#include "libkpi/read/hour_snapshot.h"
#include "libkpi/space/maintenance_lock.h"
#include "libkpi/read/merge_source.h"
#include "libkpi/read/merging_iterator.h"
#include "libkpi/read/segment_reader.h"
#include "libkpi/write/segment_writer.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// ----------------------------------------------------------- roll-forward

// The names of one hour directory that roll-forward cares about.
struct HourDirNames {
  std::set<std::string> segments;        // "*.kpi.zst" that parse as segment names
  std::vector<std::string> compacted;    // the "compact-*" among them
  std::vector<std::string> compact_temps;  // ".compact-*.kpi.zst.tmp"

  Status Read(FileSystem* fs, const std::string& dir, int64_t hour_ms) {
    std::vector<std::string> names;
    const Status listed = fs->GetChildren(dir, &names);
    if (listed.IsNotFound()) return Status::OK();
    KPI_RETURN_IF_ERROR(listed);
    for (const std::string& name : names) {
      if (std::string_view(name).starts_with(".compact-") && std::string_view(name).ends_with(".kpi.zst.tmp")) {
        compact_temps.push_back(name);
        continue;
      }
      auto key = StoreLayout::ParseSegmentFileName(hour_ms, name);
      if (!key) continue;
      segments.insert(name);
      if (key->writer == kCompactWriterId) compacted.push_back(name);
    }
    return Status::OK();
  }
};

// Unlinks `name` in `dir`; a file already gone counts as removed.
Status RemoveInDir(FileSystem* fs, const std::string& dir, const std::string& name,
                   uint64_t* removed) {
  Status s = fs->RemoveFile(dir + "/" + name);
  if (!s.ok() && !s.IsNotFound()) return s;
  ++*removed;
  return Status::OK();
}

// The inputs a sound compacted segment supersedes that still exist.
Status SupersededLeftovers(FileSystem* fs, const std::string& dir, const HourDirNames& names,
                           std::vector<std::string>* leftovers) {
  for (const std::string& compacted : names.compacted) {
    std::unique_ptr<SegmentReader> reader;
    Status s = SegmentReader::Open(dir + "/" + compacted, &reader, fs);
    if (s.IsNotFound()) continue;
    // A damaged compacted segment may not hold what its inputs hold: keep
    // the inputs (readers skip them only per a sound header; verify reports).
    if (s.IsCorruption()) continue;
    KPI_RETURN_IF_ERROR(s);
    if (reader->header_damaged() || reader->index_damaged()) continue;
    for (const std::string& input : reader->header().superseded) {
      if (input != compacted && names.segments.count(input)) leftovers->push_back(input);
    }
  }
  return Status::OK();
}

Status RollForwardHour(const StoreLayout& layout, int64_t hour_ms, RollForwardResult* result) {
  FileSystem* fs = layout.fs();
  const std::string dir = layout.HourDir(hour_ms);
  HourDirNames names;
  KPI_RETURN_IF_ERROR(names.Read(fs, dir, hour_ms));
  std::vector<std::string> leftovers;
  if (!names.compacted.empty() && names.segments.size() > 1) {
    KPI_RETURN_IF_ERROR(SupersededLeftovers(fs, dir, names, &leftovers));
  }
  for (const std::string& name : leftovers) {
    KPI_RETURN_IF_ERROR(RemoveInDir(fs, dir, name, &result->inputs_removed));
  }
  for (const std::string& name : names.compact_temps) {
    KPI_RETURN_IF_ERROR(RemoveInDir(fs, dir, name, &result->temps_removed));
  }
  if (leftovers.empty() && names.compact_temps.empty()) return Status::OK();
  return fs->SyncDir(dir);
}

// ------------------------------------------------------------- the merge

// Writes every record of `sources` to `writer` in order-key order, writing
// a record that appears in several inputs (same id and timestamp) once.
Status MergeInto(std::vector<std::unique_ptr<MergeSource>>& sources, SegmentWriter* writer,
                 const ReadProblems& problems, uint64_t* duplicates) {
  std::vector<MergeSource*> runs;
  for (auto& s : sources) runs.push_back(s.get());
  MergingIterator merge;
  merge.Reset(std::move(runs));
  for (;; merge.Next()) {
    // A block that fails mid-merge would silently drop its records from the
    // output, and the inputs are unlinked after: stop instead.
    if (AnyDamage(problems)) return Status::Corruption(problems.back().ToString());
    if (!merge.Valid()) break;
    const RecordView& r = merge.current();
    auto id = RecordId::Parse(r.id);
    if (!id) return Status::Corruption("record id \"" + std::string(r.id) + "\" does not parse");
    KPI_RETURN_IF_ERROR(writer->Add(r.timestamp_ms, *id, r.json));
  }
  *duplicates += merge.copies_skipped();
  return Status::OK();
}

// The segments of one hour of one data dir, open, superseded ones dropped.
struct HourInputs {
  HourSnapshot snapshot;
  std::vector<const SnapshotFile*> segments;
  uint64_t bytes = 0;
  uint64_t next_compact_seq = 1;

  Status Open(const StoreLayout& layout, int64_t hour_ms, ReadProblems* problems) {
    KPI_RETURN_IF_ERROR(HourSnapshot::Open({layout}, hour_ms, &snapshot, problems));
    // A segment whose WAL still exists (kpid is between publishing it and
    // unlinking the WAL, or crashed there) waits: once compacted away,
    // readers could no longer tell that the WAL's records are sealed.
    std::set<FileKey> wal_still_there;
    for (const SkippedFile& s : snapshot.skipped()) {
      if (s.is_wal) wal_still_there.insert(s.listed.key);
    }
    for (const auto& f : snapshot.files()) {
      if (f->is_wal()) continue;  // never touched: kpid owns them
      if (wal_still_there.count(f->key())) continue;
      segments.push_back(f.get());
      bytes += f->listed_size();
      if (f->key().writer == kCompactWriterId) {
        next_compact_seq = std::max(next_compact_seq, f->key().seq + 1);
      }
    }
    // A superseded leftover (skipped by the snapshot) still holds its seq.
    for (const SkippedFile& s : snapshot.skipped()) {
      if (!s.is_wal && s.listed.key.writer == kCompactWriterId) {
        next_compact_seq = std::max(next_compact_seq, s.listed.key.seq + 1);
      }
    }
    return Status::OK();
  }

  bool AlreadyCompact() const {
    return segments.size() == 1 && !segments[0]->segment()->header_damaged() &&
           segments[0]->segment()->header().compacted();
  }

  // Damage that would make the merge lose records: report and skip the hour.
  bool Damaged(ReadProblems* problems) const {
    bool damaged = false;
    for (const SnapshotFile* f : segments) {
      const SegmentReader* r = f->segment();
      if (!r->header_damaged() && !r->index_damaged()) continue;
      problems->push_back(ReadProblem{
          ReadProblem::Severity::kDamage, f->path(), -1, -1,
          (r->index_damaged() ? r->index_problem() : r->header_problem()) +
              "; hour not compacted (run kpictl verify)"});
      damaged = true;
    }
    return damaged;
  }
};

// The names the output supersedes: its inputs and, for a compacted input,
// the names that input superseded, so the names of the files kpid wrote
// survive any number of compactions (format-spec/segment.md §7). kpictl tail
// finds the records of files it never saw by those names, and kpid's recovery
// knows a WAL's segment was compacted away by them.
std::vector<std::string> SupersededNames(const HourInputs& inputs) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](const std::string& name) {
    if (seen.insert(name).second) names.push_back(name);
  };
  for (const SnapshotFile* f : inputs.segments) add(BaseName(f->path()));
  for (const SnapshotFile* f : inputs.segments) {
    for (const std::string& name : f->segment()->header().superseded) add(name);
  }
  return names;
}

Status UnlinkInputs(FileSystem* fs, const HourInputs& inputs, const std::string& dir, bool sync) {
  bool first = true;
  uint64_t removed = 0;
  for (const SnapshotFile* f : inputs.segments) {
    KPI_RETURN_IF_ERROR(RemoveInDir(fs, dir, BaseName(f->path()), &removed));
    if (first) CrashPoint("compact.unlinked_one");
    first = false;
  }
  return sync ? fs->SyncDir(dir) : Status::OK();
}

// Compacts one hour of one data dir. *done is false when the hour was left
// alone (nothing to do, already compact, or damaged).
Status CompactHour(const StoreLayout& layout, int64_t hour_ms, const CompactOptions& options,
                   CompactedHour* out, CompactResult* result, bool* done) {
  *done = false;
  HourInputs inputs;
  ReadProblems problems;
  KPI_RETURN_IF_ERROR(inputs.Open(layout, hour_ms, &problems));
  if (AnyDamage(problems) || inputs.Damaged(&problems)) {
    result->problems.insert(result->problems.end(), problems.begin(), problems.end());
    return Status::OK();
  }
  if (inputs.segments.empty()) return Status::OK();
  if (inputs.AlreadyCompact()) {
    ++result->hours_already_compact;
    return Status::OK();
  }
  segment::Header header;
  header.flags = segment::kFlagCompacted;
  header.hour_ms = hour_ms;
  header.seq = inputs.next_compact_seq;
  header.writer = std::string(kCompactWriterId);
  header.superseded = SupersededNames(inputs);
  const FileKey key{hour_ms, header.writer, header.seq};
  *out = CompactedHour{layout.data_dir(), hour_ms, layout.SegmentPath(key), inputs.segments.size(),
                       0, 0, inputs.bytes, 0};

  ReadStats stats;
  std::vector<std::unique_ptr<MergeSource>> sources;
  for (const SnapshotFile* f : inputs.segments) {
    sources.push_back(MergeSource::For(*f, TimeRange::All(), &problems, &stats));
  }
  SegmentWriter writer(out->output, header,
                       SegmentWriterOptions{options.block_bytes, options.zstd_level, options.sync,
                                            layout.fs()});
  Status s = writer.Open();
  if (s.ok()) s = MergeInto(sources, &writer, problems, &out->duplicates);
  if (s.IsCorruption()) {  // a block failed: the writer's temp file goes with it
    result->problems.insert(result->problems.end(), problems.begin(), problems.end());
    return Status::OK();
  }
  KPI_RETURN_IF_ERROR(s);
  KPI_RETURN_IF_ERROR(writer.Finish());
  CrashPoint("compact.published");
  out->records = writer.records_written();
  out->bytes_after = writer.bytes_written();
  KPI_RETURN_IF_ERROR(UnlinkInputs(layout.fs(), inputs, layout.HourDir(hour_ms), options.sync));
  *done = true;
  return Status::OK();
}

}  // namespace

Status FinishInterruptedCompactions(const StoreLayout& layout, const TimeRange& range,
                                    RollForwardResult* result) {
  std::vector<int64_t> hours;
  KPI_RETURN_IF_ERROR(layout.ListHours(range.from_ms, range.to_ms, &hours));
  for (int64_t hour : hours) KPI_RETURN_IF_ERROR(RollForwardHour(layout, hour, result));
  return Status::OK();
}

Status RollForwardCompactions(const std::string& data_dir, RollForwardResult* result,
                              FileSystem* fs) {
  const std::vector<StoreLayout> layouts{StoreLayout(data_dir, fs)};
  std::unique_ptr<MaintenanceLock> lock;
  Status s = MaintenanceLock::Acquire(layouts, MaintenanceLock::IfDiskFull::kFail, &lock);
  if (s.IsBusy()) return Status::OK();
  KPI_RETURN_IF_ERROR(s);
  return FinishInterruptedCompactions(layouts[0], TimeRange::All(), result);
}

Compactor::Compactor(CompactOptions options) : options_(std::move(options)) {}

Status Compactor::Run(CompactResult* result,
                      const std::function<void(const CompactedHour&)>& on_hour) {
  *result = CompactResult();
  if (options_.zstd_level < 1 || options_.zstd_level > ZSTD_maxCLevel()) {
    return Status::InvalidArgument("compression level " + std::to_string(options_.zstd_level) +
                                   " is outside zstd's levels 1.." +
                                   std::to_string(ZSTD_maxCLevel()));
  }
  std::vector<StoreLayout> layouts;
  for (const std::string& dir : options_.data_dirs) layouts.emplace_back(dir, options_.fs);
  KPI_RETURN_IF_ERROR(CheckDataDirs(layouts));
  std::unique_ptr<MaintenanceLock> lock;
  KPI_RETURN_IF_ERROR(MaintenanceLock::Acquire(layouts, MaintenanceLock::IfDiskFull::kFail, &lock));
  for (const StoreLayout& layout : layouts) {
    KPI_RETURN_IF_ERROR(FinishInterruptedCompactions(layout, options_.range, &result->rolled_forward));
    std::vector<int64_t> hours;
    KPI_RETURN_IF_ERROR(layout.ListHours(options_.range.from_ms, options_.range.to_ms, &hours));
    for (int64_t hour : hours) {
      CompactedHour done_hour;
      bool done = false;
      KPI_RETURN_IF_ERROR(CompactHour(layout, hour, options_, &done_hour, result, &done));
      if (!done) continue;
      if (on_hour) on_hour(done_hour);
      result->hours.push_back(std::move(done_hour));
    }
  }
  return Status::OK();
}

}  // namespace kpi

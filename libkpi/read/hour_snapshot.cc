#include "libkpi/read/hour_snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

// Seals and compactions finish in milliseconds; twenty tries with a growing
// pause ride out a burst of them without letting a reader spin forever.
constexpr int kMaxAttempts = 20;

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct HourListing {
  std::vector<ListedFile> wals;      // listed first (see the header)
  std::vector<ListedFile> segments;  // listed second

  Status Read(const StoreLayout& layout, int64_t hour_ms) {
    KPI_RETURN_IF_ERROR(layout.ListWals(hour_ms, hour_ms + kMsPerHour, &wals));
    return layout.ListSegments(hour_ms, hour_ms + kMsPerHour, &segments);
  }
  bool SameNames(const HourListing& other) const {
    auto same = [](const std::vector<ListedFile>& a, const std::vector<ListedFile>& b) {
      return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                        [](const ListedFile& x, const ListedFile& y) { return x.path == y.path; });
    };
    return same(wals, other.wals) && same(segments, other.segments);
  }
};

// One try at a consistent view of one data directory's hour.
struct Attempt {
  std::vector<std::unique_ptr<SnapshotFile>> files;
  std::vector<SkippedFile> skipped;
  ReadProblems problems;
  bool retry = false;  // a file vanished or the listing changed
  std::set<std::string> superseded;  // names listed by the sound compacted segments

  Status Run(const StoreLayout& layout, int64_t hour_ms);

 private:
  Status OpenSegments(const StoreLayout& layout, const HourListing& listing);
  void DropSuperseded();
  Status OpenWals(const StoreLayout& layout, const HourListing& listing);
};

Status Attempt::Run(const StoreLayout& layout, int64_t hour_ms) {
  HourListing listing;
  KPI_RETURN_IF_ERROR(listing.Read(layout, hour_ms));
  KPI_RETURN_IF_ERROR(OpenSegments(layout, listing));
  if (retry) return Status::OK();
  DropSuperseded();
  KPI_RETURN_IF_ERROR(OpenWals(layout, listing));
  if (retry) return Status::OK();
  HourListing again;
  KPI_RETURN_IF_ERROR(again.Read(layout, hour_ms));
  retry = !listing.SameNames(again);
  return Status::OK();
}

Status Attempt::OpenSegments(const StoreLayout& layout, const HourListing& listing) {
  for (const ListedFile& listed : listing.segments) {
    auto file =
        std::make_unique<SnapshotFile>(SnapshotFile::Kind::kSegment, listed, layout);
    Status s = file->Open();
    if (s.IsNotFound()) {
      retry = true;
      return Status::OK();
    }
    if (s.code() == Status::Code::kUnsupported) {  // segment.md §0: reported, not read
      problems.push_back(UnsupportedProblem(listed.path, s));
      continue;
    }
    if (s.IsCorruption()) {  // the file changed under the reader (truncated meanwhile)
      problems.push_back(
          ReadProblem::FromStatus(ReadProblem::Severity::kDamage, listed.path, -1, -1, s));
      continue;
    }
    KPI_RETURN_IF_ERROR(s);
    files.push_back(std::move(file));
  }
  return Status::OK();
}

// Leaves out the inputs a compacted segment of the same directory replaced
// (segment.md §7): they are about to be unlinked and hold the same records.
void Attempt::DropSuperseded() {
  std::string by;
  for (const auto& f : files) {
    const SegmentReader* r = f->segment();
    if (r->header_damaged() || !r->header().compacted()) continue;
    for (const std::string& name : r->header().superseded) superseded.insert(name);
    by = BaseName(f->path());
  }
  if (superseded.empty()) return;
  auto is_superseded = [&](const std::unique_ptr<SnapshotFile>& f) {
    if (!superseded.count(BaseName(f->path()))) return false;
    skipped.push_back(SkippedFile{ListedFile{f->key(), f->path(), f->listed_size()},
                                  "superseded by a compacted segment (" + by + ")", false});
    return true;
  };
  files.erase(std::remove_if(files.begin(), files.end(), is_superseded), files.end());
}

Status Attempt::OpenWals(const StoreLayout& layout, const HourListing& listing) {
  std::set<FileKey> sealed;
  for (const ListedFile& s : listing.segments) sealed.insert(s.key);
  for (const ListedFile& listed : listing.wals) {
    if (sealed.count(listed.key)) {
      skipped.push_back(SkippedFile{
          listed, "sealed: " + layout.SegmentPath(listed.key) + " holds its records", true});
      continue;
    }
    // wal.md §5: sealed, then compacted before the WAL could be deleted.
    if (superseded.count(StoreLayout::SegmentFileName(listed.key))) {
      skipped.push_back(SkippedFile{
          listed, "sealed and compacted: a compacted segment supersedes its segment", true});
      continue;
    }
    auto file = std::make_unique<SnapshotFile>(SnapshotFile::Kind::kWal, listed, layout);
    Status s = file->Open();
    if (s.IsNotFound()) {
      retry = true;
      return Status::OK();
    }
    KPI_RETURN_IF_ERROR(s);
    files.push_back(std::move(file));
  }
  return Status::OK();
}

}  // namespace

SnapshotFile::SnapshotFile(Kind kind, ListedFile listed, const StoreLayout& layout)
    : kind_(kind), listed_(std::move(listed)), data_dir_(layout.data_dir()), fs_(layout.fs()) {}

SnapshotFile::~SnapshotFile() {
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

Status SnapshotFile::Open() {
  if (kind_ == Kind::kSegment) {
    return SegmentReader::OpenListed(listed_.path, listed_.key, &segment_, fs_);
  }
  return fs_->OpenForReading(listed_.path, &wal_fd_);
}

Status SnapshotFile::ScanWal(const std::function<bool(const wal::WalRecord&)>& fn,
                             wal::WalScanResult* result, ReadProblems* problems) const {
  return ScanWalReporting(listed_.path, wal_fd_, fn, result, problems, fs_);
}

ReadProblem UnsupportedProblem(const std::string& path, const Status& status) {
  return ReadProblem::OfKind(ReadProblem::Severity::kDamage, path, -1, 0, "unsupported",
                             status.message());
}

Status ScanWalReporting(const std::string& path, int fd,
                        const std::function<bool(const wal::WalRecord&)>& fn,
                        wal::WalScanResult* result, ReadProblems* problems, FileSystem* fs) {
  using Severity = ReadProblem::Severity;
  // The fd, when held, reaches the file even after kpid sealed and unlinked
  // it, which is the point of a snapshot.
  const Status s =
      fd >= 0 ? wal::ScanWalFd(fd, path, fn, result, fs) : wal::ScanWal(path, fn, result, fs);
  if (s.code() == Status::Code::kUnsupported) {  // wal.md §2: reported, nothing of the file read
    problems->push_back(UnsupportedProblem(path, s));
    return Status::OK();
  }
  KPI_RETURN_IF_ERROR(s);
  for (const wal::WalProblem& p : result->problems) {
    problems->push_back(ReadProblem::OfKind(p.damage() ? Severity::kDamage : Severity::kWarning,
                                            path, -1, static_cast<int64_t>(p.offset),
                                            wal::WalProblem::KindName(p.kind), p.message));
  }
  return Status::OK();
}

Status HourSnapshot::Open(const std::vector<StoreLayout>& layouts, int64_t hour_ms,
                          HourSnapshot* snapshot, ReadProblems* problems) {
  *snapshot = HourSnapshot();
  snapshot->hour_ms_ = hour_ms;
  for (const StoreLayout& layout : layouts) {
    KPI_RETURN_IF_ERROR(snapshot->OpenDataDir(layout, problems));
  }
  std::stable_partition(snapshot->files_.begin(), snapshot->files_.end(),
                        [](const auto& f) { return !f->is_wal(); });
  return Status::OK();
}

Status HourSnapshot::OpenDataDir(const StoreLayout& layout, ReadProblems* problems) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Attempt a;
    KPI_RETURN_IF_ERROR(a.Run(layout, hour_ms_));
    if (!a.retry) {
      for (auto& f : a.files) files_.push_back(std::move(f));
      for (auto& s : a.skipped) skipped_.push_back(std::move(s));
      problems->insert(problems->end(), a.problems.begin(), a.problems.end());
      return Status::OK();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1 << std::min(attempt, 6)));
  }
  return Status::Busy(layout.data_dir() + ": hour " + FormatHour(hour_ms_) +
                      ": files kept changing while taking a snapshot (" +
                      std::to_string(kMaxAttempts) + " tries); retry the command");
}

Status ListStoreHours(const std::vector<StoreLayout>& layouts, int64_t from_ms, int64_t to_ms,
                      std::vector<int64_t>* hours) {
  std::set<int64_t> all;
  for (const StoreLayout& layout : layouts) {
    std::vector<int64_t> dir_hours;
    KPI_RETURN_IF_ERROR(layout.ListHours(from_ms, to_ms, &dir_hours));
    all.insert(dir_hours.begin(), dir_hours.end());
    std::vector<ListedFile> wals;
    KPI_RETURN_IF_ERROR(layout.ListWals(from_ms, to_ms, &wals));
    for (const ListedFile& w : wals) all.insert(w.key.hour_ms);
  }
  hours->assign(all.begin(), all.end());
  return Status::OK();
}

Status ForEachHourSnapshot(const std::vector<std::string>& data_dirs, const TimeRange& range,
                           const std::function<Status(const HourSnapshot&)>& fn,
                           ReadProblems* problems) {
  std::vector<StoreLayout> layouts(data_dirs.begin(), data_dirs.end());
  KPI_RETURN_IF_ERROR(CheckDataDirs(layouts));
  std::vector<int64_t> hours;
  KPI_RETURN_IF_ERROR(ListStoreHours(layouts, range.from_ms, range.to_ms, &hours));
  for (int64_t hour : hours) {
    HourSnapshot snapshot;
    KPI_RETURN_IF_ERROR(HourSnapshot::Open(layouts, hour, &snapshot, problems));
    KPI_RETURN_IF_ERROR(fn(snapshot));
  }
  return Status::OK();
}

Status CheckDataDirs(const std::vector<StoreLayout>& layouts) {
  for (const StoreLayout& layout : layouts) {
    if (::access(layout.data_dir().c_str(), R_OK | X_OK) != 0) {
      return Status::FromErrno(errno, "data dir " + layout.data_dir());
    }
  }
  return Status::OK();
}

}  // namespace kpi

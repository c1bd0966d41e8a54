#include "libkpi/format/store_layout.h"

#include <algorithm>
#include <cstdio>

#include "libkpi/util/hex.h"
#include "libkpi/util/time_util.h"

namespace kpi {
namespace {

constexpr const char* kSegmentSuffix = ".kpi.zst";
constexpr const char* kWalSuffix = ".wal";
// Ranges up to this many hours list their hour directories by name; wider
// ones walk the directories that exist (ListHours).
constexpr int64_t kDirectHours = 24;

// "<writer>-<seq>" → key fields; writer may be "compact".
bool ParseWriterSeq(const std::string& stem, FileKey* key) {
  const size_t dash = stem.rfind('-');
  if (dash == std::string::npos) return false;
  key->writer = stem.substr(0, dash);
  return IsValidWriterId(key->writer) && ParseHex16(stem.substr(dash + 1), &key->seq);
}

}  // namespace

bool IsValidHour(int64_t hour_ms) {
  return hour_ms >= kMinTimeMs && hour_ms < kMaxTimeMs && hour_ms % kMsPerHour == 0;
}

StoreLayout::StoreLayout(std::string data_dir, FileSystem* fs)
    : data_dir_(std::move(data_dir)), fs_(FileSystem::OrDefault(fs)) {
  while (data_dir_.size() > 1 && data_dir_.back() == '/') data_dir_.pop_back();
}

std::string StoreLayout::SegmentsRoot() const { return data_dir_ + "/segments"; }
std::string StoreLayout::WalDir() const { return data_dir_ + "/wal"; }
std::string StoreLayout::WriterDir(const std::string& writer) const {
  return data_dir_ + "/writers/" + writer;
}

std::string StoreLayout::HourDir(int64_t hour_ms) const {
  const CivilTime t = ToCivil(hour_ms);
  char buf[32];
  std::snprintf(buf, sizeof buf, "/%04d/%02d/%02d/%02d", t.year, t.month, t.day, t.hour);
  return SegmentsRoot() + buf;
}

std::string StoreLayout::SegmentFileName(const FileKey& key) {
  return key.writer + "-" + Hex16(key.seq) + kSegmentSuffix;
}

std::string StoreLayout::WalFileName(const FileKey& key) {
  const CivilTime t = ToCivil(key.hour_ms);
  char hour[24];
  std::snprintf(hour, sizeof hour, "%04d%02d%02dT%02d", t.year, t.month, t.day, t.hour);
  return std::string(hour) + "-" + key.writer + "-" + Hex16(key.seq) + kWalSuffix;
}

std::string StoreLayout::SegmentPath(const FileKey& key) const {
  return HourDir(key.hour_ms) + "/" + SegmentFileName(key);
}

std::string StoreLayout::WalPath(const FileKey& key) const {
  return WalDir() + "/" + WalFileName(key);
}

std::optional<FileKey> StoreLayout::ParseSegmentFileName(int64_t hour_ms, const std::string& name) {
  if (name.empty() || name[0] == '.' || !std::string_view(name).ends_with(kSegmentSuffix)) return std::nullopt;
  FileKey key;
  key.hour_ms = hour_ms;
  if (!ParseWriterSeq(name.substr(0, name.size() - std::string(kSegmentSuffix).size()), &key)) {
    return std::nullopt;
  }
  return key;
}

std::optional<FileKey> StoreLayout::ParseWalFileName(const std::string& name) {
  // YYYYMMDDTHH-<writer>-<seq>.wal
  if (name.size() < 12 || name[0] == '.' || !std::string_view(name).ends_with(kWalSuffix) || name[8] != 'T' ||
      name[11] != '-') {
    return std::nullopt;
  }
  int y, mo, d, h;
  if (std::sscanf(name.c_str(), "%4d%2d%2dT%2d", &y, &mo, &d, &h) != 4) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23) return std::nullopt;
  FileKey key;
  key.hour_ms = FromCivil(y, mo, d, h);
  const std::string stem = name.substr(12, name.size() - 12 - std::string(kWalSuffix).size());
  if (!ParseWriterSeq(stem, &key)) return std::nullopt;
  // sscanf accepts signs, spaces and impossible dates ("20261131"); only the
  // name this layout would write is ours.
  if (WalFileName(key) != name) return std::nullopt;
  return key;
}

std::string StoreLayout::TempPathFor(const std::string& final_path) {
  const size_t slash = final_path.rfind('/');
  if (slash == std::string::npos) return "." + final_path + ".tmp";
  return final_path.substr(0, slash + 1) + "." + final_path.substr(slash + 1) + ".tmp";
}

template <typename Parse>
Status StoreLayout::ListFiles(const std::string& dir, Parse parse,
                              std::vector<ListedFile>* out) const {
  std::vector<std::string> names;
  const Status listed = fs_->GetChildren(dir, &names);
  if (listed.IsNotFound()) return Status::OK();
  KPI_RETURN_IF_ERROR(listed);
  for (const std::string& name : names) {
    const std::optional<FileKey> key = parse(name);
    if (!key) continue;
    const std::string path = dir + "/" + name;
    uint64_t size = 0;
    // Removed since the listing: not part of this snapshot.
    if (!fs_->GetFileSize(path, &size).ok()) continue;
    out->push_back(ListedFile{*key, path, size});
  }
  return Status::OK();
}

Status StoreLayout::ListHourDir(int64_t hour_ms, std::vector<ListedFile>* out) const {
  return ListFiles(HourDir(hour_ms),
                   [hour_ms](const std::string& name) { return ParseSegmentFileName(hour_ms, name); },
                   out);
}

namespace {

bool IsCivilDate(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  const CivilTime t = ToCivil(FromCivil(year, month, day));
  return t.year == year && t.month == month && t.day == day;  // rejects 2026/11/31
}

}  // namespace

// The numeric names of `dir` that are exactly `width` digits, ascending, as
// HourDir writes them; anything else ("1", "2026.bak", ".tmp") is not ours.
Status StoreLayout::ListNumberedDirs(const std::string& dir, size_t width,
                                     std::vector<int>* out) const {
  out->clear();
  std::vector<std::string> names;
  const Status listed = fs_->GetChildren(dir, &names);
  if (listed.IsNotFound()) return Status::OK();
  KPI_RETURN_IF_ERROR(listed);
  for (const std::string& n : names) {
    if (n.size() != width || n.find_first_not_of("0123456789") != std::string::npos) continue;
    out->push_back(std::atoi(n.c_str()));
  }
  std::sort(out->begin(), out->end());
  return Status::OK();
}

Status StoreLayout::ListHours(int64_t from_ms, int64_t to_ms, std::vector<int64_t>* out) const {
  out->clear();
  from_ms = std::max(from_ms, kMinTimeMs);
  to_ms = std::min(to_ms, kMaxTimeMs);
  if (from_ms >= to_ms) return Status::OK();
  // Walk the existing year/month/day directories so that wide ranges ("all
  // time") cost what exists, not what could exist.
  const std::string root = SegmentsRoot();
  auto sub = [](const std::string& dir, int v, int width = 2) {
    char name[16];
    std::snprintf(name, sizeof name, "/%0*d", width, v);
    return dir + name;
  };
  auto overlaps = [&](int64_t start, int64_t end) { return end > from_ms && start < to_ms; };
  std::vector<int> years, months, days, hours;
  KPI_RETURN_IF_ERROR(ListNumberedDirs(root, 4, &years));
  for (int year : years) {
    if (!overlaps(FromCivil(year, 1, 1), FromCivil(year + 1, 1, 1))) continue;
    KPI_RETURN_IF_ERROR(ListNumberedDirs(sub(root, year, 4), 2, &months));
    for (int month : months) {
      if (month < 1 || month > 12 ||
          !overlaps(FromCivil(year, month, 1), FromCivil(year, month + 1, 1))) {
        continue;  // FromCivil(year, 13, 1) is January of the next year
      }
      KPI_RETURN_IF_ERROR(ListNumberedDirs(sub(sub(root, year, 4), month), 2, &days));
      for (int day : days) {
        const int64_t day_start = FromCivil(year, month, day);
        if (!IsCivilDate(year, month, day) || !overlaps(day_start, day_start + kMsPerDay)) continue;
        KPI_RETURN_IF_ERROR(ListNumberedDirs(sub(sub(sub(root, year, 4), month), day), 2, &hours));
        for (int hour : hours) {
          const int64_t hour_ms = day_start + hour * kMsPerHour;
          if (hour <= 23 && overlaps(hour_ms, hour_ms + kMsPerHour)) out->push_back(hour_ms);
        }
      }
    }
  }
  return Status::OK();
}

Status StoreLayout::ListSegments(int64_t from_ms, int64_t to_ms, std::vector<ListedFile>* out) const {
  out->clear();
  std::vector<int64_t> hours;
  from_ms = std::max(from_ms, kMinTimeMs);
  to_ms = std::min(to_ms, kMaxTimeMs);
  if (to_ms - from_ms <= kDirectHours * kMsPerHour) {
    // Readers snapshot one hour at a time: listing its directory directly
    // saves walking segments/, the year, month and day (five listings) for
    // each of them, which was most of a 30-day sample's system time.
    for (int64_t h = HourStart(from_ms); h < to_ms; h += kMsPerHour) hours.push_back(h);
  } else {
    KPI_RETURN_IF_ERROR(ListHours(from_ms, to_ms, &hours));
  }
  for (int64_t hour : hours) KPI_RETURN_IF_ERROR(ListHourDir(hour, out));
  std::sort(out->begin(), out->end(),
            [](const ListedFile& a, const ListedFile& b) { return a.key < b.key; });
  return Status::OK();
}

Status StoreLayout::ListWals(int64_t from_ms, int64_t to_ms, std::vector<ListedFile>* out) const {
  out->clear();
  KPI_RETURN_IF_ERROR(ListFiles(
      WalDir(),
      [from_ms, to_ms](const std::string& name) -> std::optional<FileKey> {
        auto key = ParseWalFileName(name);
        if (!key || key->hour_ms + kMsPerHour <= from_ms || key->hour_ms >= to_ms) return std::nullopt;
        return key;
      },
      out));
  std::sort(out->begin(), out->end(),
            [](const ListedFile& a, const ListedFile& b) { return a.key < b.key; });
  return Status::OK();
}

Status StoreLayout::CreateDirectories() const {
  for (const std::string& dir : {SegmentsRoot(), WalDir(), data_dir_ + "/writers"}) {
    KPI_RETURN_IF_ERROR(fs_->CreateDirs(dir));
  }
  return Status::OK();
}

}  // namespace kpi

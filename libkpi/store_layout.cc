#include "libkpi/store_layout.h"

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cstdio>

#include "libkpi/time_util.h"

namespace fs = boost::filesystem;

namespace kpi {
namespace {

constexpr const char* kSegmentSuffix = ".kpi.zst";
constexpr const char* kWalSuffix = ".wal";

std::string SeqHex(uint64_t seq) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(seq));
  return buf;
}

bool ParseSeqHex(const std::string& s, uint64_t* seq) {
  if (s.size() != 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *seq = v;
  return true;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "<writer>-<seq>" → key fields; writer may be "compact".
bool ParseWriterSeq(const std::string& stem, FileKey* key) {
  const size_t dash = stem.rfind('-');
  if (dash == std::string::npos) return false;
  key->writer = stem.substr(0, dash);
  return IsValidWriterId(key->writer) && ParseSeqHex(stem.substr(dash + 1), &key->seq);
}

}  // namespace

StoreLayout::StoreLayout(std::string data_dir) : data_dir_(std::move(data_dir)) {
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
  return key.writer + "-" + SeqHex(key.seq) + kSegmentSuffix;
}

std::string StoreLayout::WalFileName(const FileKey& key) {
  const CivilTime t = ToCivil(key.hour_ms);
  char hour[24];
  std::snprintf(hour, sizeof hour, "%04d%02d%02dT%02d", t.year, t.month, t.day, t.hour);
  return std::string(hour) + "-" + key.writer + "-" + SeqHex(key.seq) + kWalSuffix;
}

std::string StoreLayout::SegmentPath(const FileKey& key) const {
  return HourDir(key.hour_ms) + "/" + SegmentFileName(key);
}

std::string StoreLayout::WalPath(const FileKey& key) const {
  return WalDir() + "/" + WalFileName(key);
}

std::optional<FileKey> StoreLayout::ParseSegmentFileName(int64_t hour_ms, const std::string& name) {
  if (name.empty() || name[0] == '.' || !EndsWith(name, kSegmentSuffix)) return std::nullopt;
  FileKey key;
  key.hour_ms = hour_ms;
  if (!ParseWriterSeq(name.substr(0, name.size() - std::string(kSegmentSuffix).size()), &key)) {
    return std::nullopt;
  }
  return key;
}

std::optional<FileKey> StoreLayout::ParseWalFileName(const std::string& name) {
  // YYYYMMDDTHH-<writer>-<seq>.wal
  if (name.size() < 12 || name[0] == '.' || !EndsWith(name, kWalSuffix) || name[8] != 'T' ||
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
  return key;
}

std::string StoreLayout::TempPathFor(const std::string& final_path) {
  const size_t slash = final_path.rfind('/');
  if (slash == std::string::npos) return "." + final_path + ".tmp";
  return final_path.substr(0, slash + 1) + "." + final_path.substr(slash + 1) + ".tmp";
}

Status StoreLayout::ListHourDir(int64_t hour_ms, std::vector<ListedFile>* out) const {
  boost::system::error_code ec;
  fs::directory_iterator it(HourDir(hour_ms), ec), end;
  if (ec) {
    if (ec == boost::system::errc::no_such_file_or_directory) return Status::OK();
    return Status::IOError(HourDir(hour_ms) + ": " + ec.message());
  }
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::IOError(HourDir(hour_ms) + ": " + ec.message());
    const std::string name = it->path().filename().string();
    auto key = ParseSegmentFileName(hour_ms, name);
    if (!key) continue;
    boost::system::error_code size_ec;
    const uint64_t size = fs::file_size(it->path(), size_ec);
    if (size_ec) continue;  // removed since the listing: not part of this snapshot
    out->push_back(ListedFile{*key, it->path().string(), size});
  }
  return Status::OK();
}

Status StoreLayout::ListHours(int64_t from_ms, int64_t to_ms, std::vector<int64_t>* out) const {
  out->clear();
  from_ms = std::max(from_ms, kMinTimeMs);
  to_ms = std::min(to_ms, kMaxTimeMs);
  if (from_ms >= to_ms) return Status::OK();
  const int64_t first_hour = HourStart(from_ms);
  // Walk the existing year/month/day directories so that wide ranges ("all
  // time") cost what exists, not what could exist.
  boost::system::error_code ec;
  const fs::path root(SegmentsRoot());
  if (!fs::exists(root, ec)) return Status::OK();
  std::vector<std::string> years, months, days, hours;
  auto list_names = [&](const fs::path& dir, std::vector<std::string>* names) {
    names->clear();
    boost::system::error_code lec;
    for (fs::directory_iterator it(dir, lec), end; !lec && it != end; it.increment(lec)) {
      const std::string n = it->path().filename().string();
      if (!n.empty() && n[0] != '.') names->push_back(n);
    }
    std::sort(names->begin(), names->end());
  };
  list_names(root, &years);
  for (const auto& y : years) {
    const int year = std::atoi(y.c_str());
    if (FromCivil(year + 1, 1, 1) <= first_hour || FromCivil(year, 1, 1) >= to_ms) continue;
    list_names(root / y, &months);
    for (const auto& m : months) {
      const int month = std::atoi(m.c_str());
      if (month < 1 || month > 12) continue;
      const int64_t month_end = month == 12 ? FromCivil(year + 1, 1, 1) : FromCivil(year, month + 1, 1);
      if (month_end <= first_hour || FromCivil(year, month, 1) >= to_ms) continue;
      list_names(root / y / m, &days);
      for (const auto& d : days) {
        const int day = std::atoi(d.c_str());
        const int64_t day_start = FromCivil(year, month, day);
        if (day < 1 || day > 31 || day_start + kMsPerDay <= first_hour || day_start >= to_ms) continue;
        list_names(root / y / m / d, &hours);
        for (const auto& h : hours) {
          const int hour = std::atoi(h.c_str());
          const int64_t hour_ms = day_start + hour * kMsPerHour;
          if (hour < 0 || hour > 23 || hour_ms + kMsPerHour <= from_ms || hour_ms >= to_ms) continue;
          out->push_back(hour_ms);
        }
      }
    }
  }
  return Status::OK();
}

Status StoreLayout::ListSegments(int64_t from_ms, int64_t to_ms, std::vector<ListedFile>* out) const {
  out->clear();
  std::vector<int64_t> hours;
  KPI_RETURN_IF_ERROR(ListHours(from_ms, to_ms, &hours));
  for (int64_t hour : hours) KPI_RETURN_IF_ERROR(ListHourDir(hour, out));
  std::sort(out->begin(), out->end(),
            [](const ListedFile& a, const ListedFile& b) { return a.key < b.key; });
  return Status::OK();
}

Status StoreLayout::ListWals(int64_t from_ms, int64_t to_ms, std::vector<ListedFile>* out) const {
  out->clear();
  boost::system::error_code ec;
  fs::directory_iterator it(WalDir(), ec), end;
  if (ec) {
    if (ec == boost::system::errc::no_such_file_or_directory) return Status::OK();
    return Status::IOError(WalDir() + ": " + ec.message());
  }
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::IOError(WalDir() + ": " + ec.message());
    auto key = ParseWalFileName(it->path().filename().string());
    if (!key || key->hour_ms + kMsPerHour <= from_ms || key->hour_ms >= to_ms) continue;
    boost::system::error_code size_ec;
    const uint64_t size = fs::file_size(it->path(), size_ec);
    if (size_ec) continue;
    out->push_back(ListedFile{*key, it->path().string(), size});
  }
  std::sort(out->begin(), out->end(),
            [](const ListedFile& a, const ListedFile& b) { return a.key < b.key; });
  return Status::OK();
}

Status StoreLayout::CreateDirectories() const {
  for (const std::string& dir : {SegmentsRoot(), WalDir(), data_dir_ + "/writers"}) {
    boost::system::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError(dir + ": cannot create directory: " + ec.message());
  }
  return Status::OK();
}

}  // namespace kpi

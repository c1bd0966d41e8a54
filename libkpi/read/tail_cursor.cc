#include "libkpi/read/tail_cursor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <iterator>
#include <sstream>

#include "libkpi/util/hex.h"
#include "libkpi/env/atomic_file.h"
#include "libkpi/env/file_system.h"
#include "libkpi/env/output_sink.h"

namespace kpi {
namespace {

bool ReadHex16(std::istream& in, uint64_t* v) {
  std::string text;
  if (!(in >> text) || text.empty() || text.size() > 16) return false;
  char* end = nullptr;
  *v = std::strtoull(text.c_str(), &end, 16);
  return *end == '\0';
}

}  // namespace

bool TailCursor::IsNew(const FileKey& key) const {
  if (files.count(key)) return false;
  auto it = floor.find(key.writer);
  return it == floor.end() || key.seq > it->second;
}

void TailCursor::Printed(const std::string& writer, uint64_t seq) {
  uint64_t& l = last[writer];
  if (seq > l) l = seq;
}

void TailCursor::Done(const FileKey& key) {
  files.erase(key);
  uint64_t& f = floor[key.writer];
  if (key.seq > f) f = key.seq;
  for (auto it = files.begin(); it != files.end();) {
    const bool passed =
        it->second.finished() && it->first.writer == key.writer && it->first.seq <= f;
    it = passed ? files.erase(it) : std::next(it);
  }
}

std::string TailCursor::Serialize() const {
  std::string out = "kpi-tail-cursor " + std::to_string(kVersion) + " " +
                    std::to_string(saved_ms) + "\n";
  for (const auto& [writer, seq] : floor) out += "floor " + writer + " " + Hex16(seq) + "\n";
  for (const auto& [key, mark] : files) {
    // A finished file's order is of no more use: it leaves the cursor.
    const bool keep_order = mark.order_bits > 0 && !mark.finished();
    out += "file " + std::to_string(key.hour_ms) + " " + key.writer + " " + Hex16(key.seq) + " " +
           std::to_string(mark.frames) + " " + std::to_string(mark.offset) + " " +
           std::to_string(keep_order ? mark.order_bits : 0) + " " +
           (keep_order ? RecordOrder::KeyHex(mark.order_key) : "-") + "\n";
  }
  for (const auto& [writer, seq] : last) out += "last " + writer + " " + Hex16(seq) + "\n";
  return out;
}

Status TailCursor::Parse(const std::string& text, const std::string& origin, TailCursor* cursor) {
  *cursor = TailCursor();
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::istringstream in(line);
    std::string kind, writer;
    bool ok = static_cast<bool>(in >> kind);
    if (ok && number == 1) {
      int version = 0;
      ok = kind == "kpi-tail-cursor" && (in >> version >> cursor->saved_ms);
      if (ok && version != kVersion) {
        return Status::InvalidArgument(
            origin + ": a version " + std::to_string(version) +
            " tail cursor; this kpictl reads version " + std::to_string(kVersion) +
            ": delete the file to start over");
      }
    } else if (ok && kind == "floor") {
      ok = (in >> writer) && ReadHex16(in, &cursor->floor[writer]);
    } else if (ok && kind == "last") {
      ok = (in >> writer) && ReadHex16(in, &cursor->last[writer]);
    } else if (ok && kind == "file") {
      FileKey key;
      FileMark mark;
      std::string order_key;
      ok = (in >> key.hour_ms >> key.writer) && ReadHex16(in, &key.seq) &&
           (in >> mark.frames >> mark.offset >> mark.order_bits >> order_key) &&
           (mark.order_bits == 0 ? order_key == "-"
                                 : RecordOrder::ValidBits(mark.order_bits) &&
                                       RecordOrder::ParseKeyHex(order_key, &mark.order_key));
      if (ok) cursor->files[key] = mark;
    } else {
      ok = false;
    }
    if (!ok) {
      return Status::InvalidArgument(origin + ": line " + std::to_string(number) +
                                     ": not a kpi tail cursor line; delete the file to start over");
    }
  }
  if (number == 0)
    return Status::InvalidArgument(origin + ": empty cursor file; delete it to start over");
  return Status::OK();
}

Status TailCursor::Load(const std::string& path, TailCursor* cursor, bool* found,
                        FileSystem* fs) {
  *cursor = TailCursor();
  std::string text;
  KPI_RETURN_IF_ERROR(
      ReadFileIfPresent(FileSystem::OrDefault(fs), path, kMaxFileBytes, &text, found));
  return *found ? Parse(text, path, cursor) : Status::OK();
}

Status TailCursor::Save(const std::string& path, FileSystem* fs) const {
  return ReplaceFileContents(FileSystem::OrDefault(fs), path, Serialize(), kPrivateFileMode);
}

}  // namespace kpi

#include "libkpi/ship/ship_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <iterator>
#include <sstream>

#include "libkpi/env/atomic_file.h"
#include "libkpi/env/file_system.h"
#include "libkpi/env/output_sink.h"
#include "libkpi/format/store_layout.h"

namespace kpi {
namespace {

constexpr char kMagic[] = "kpi-ship-state";

Status Malformed(const std::string& origin, int line, const std::string& what) {
  return Status::Corruption(origin + ": line " + std::to_string(line) + ": " + what +
                            "; delete the file to ship every hour again");
}

}  // namespace

std::string ShipState::Serialize() const {
  std::string out = std::string(kMagic) + " 1\ntarget " + target + "\n";
  char line[96];
  for (const auto& [hour_ms, shipped] : hours) {
    std::snprintf(line, sizeof line, "hour %" PRId64 " %" PRIu64 " %016" PRIx64 "\n", hour_ms,
                  shipped.records, shipped.fingerprint);
    out += line;
  }
  return out;
}

Status ShipState::Parse(const std::string& text, const std::string& origin, ShipState* state) {
  *state = ShipState();
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (number == 1) {
      int version = 0;
      if (word != kMagic || !(words >> version) || version != 1) {
        return Malformed(origin, number, "not a kpi-ship-state 1 file");
      }
    } else if (word == "target") {
      std::getline(words >> std::ws, state->target);
    } else if (word == "hour") {
      int64_t hour_ms = 0;
      ShippedHour shipped;
      std::string hex;
      if (!(words >> hour_ms >> shipped.records >> hex) || hex.size() != 16) {
        return Malformed(origin, number, "expected: hour <hour_ms> <records> <fingerprint>");
      }
      char* end = nullptr;
      shipped.fingerprint = std::strtoull(hex.c_str(), &end, 16);
      if (*end != '\0') return Malformed(origin, number, "fingerprint is not hexadecimal");
      state->hours[hour_ms] = shipped;
    } else if (!word.empty()) {
      return Malformed(origin, number, "unknown entry '" + word + "'");
    }
  }
  if (number == 0) return Malformed(origin, 1, "empty file");
  return Status::OK();
}

Status ShipState::Load(const std::string& path, ShipState* state, bool* found, FileSystem* fs) {
  *state = ShipState();
  std::string text;
  KPI_RETURN_IF_ERROR(
      ReadFileIfPresent(FileSystem::OrDefault(fs), path, kMaxFileBytes, &text, found));
  return *found ? Parse(text, path, state) : Status::OK();
}

Status ShipState::Save(const std::string& path, FileSystem* fs) const {
  return ReplaceFileContents(FileSystem::OrDefault(fs), path, Serialize(), kPrivateFileMode);
}

}  // namespace kpi

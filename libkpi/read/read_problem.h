// ReadProblem: damage or an oddity met while reading a store, kept so that a
// query can go on past it and still say, at the end, what it skipped.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libkpi/util/status.h"

namespace kpi {

struct ReadProblem {
  enum class Severity {
    kWarning,  // expected in a live store or harmless (a torn WAL tail, a leftover input)
    kDamage,   // stored bytes are unreadable: records were skipped
  };
  Severity severity = Severity::kDamage;
  std::string file;
  int64_t block = -1;   // the segment block, or -1
  int64_t offset = -1;  // the file offset, or -1
  std::string message;

  // "<file>: block 3 at offset 412: <message>"
  std::string ToString() const;
  bool damage() const { return severity == Severity::kDamage; }
  // The entry of the damage report (segment.md §12) of a problem made by
  // OfKind: "<damage|warning> <kind> [block=<i> ]offset=<n>".
  std::string ReportEntry() const;

  // `message` without a leading "offset N: " (for problems that set offset).
  static std::string WithoutOffset(const std::string& message);

  // A problem of one of the kinds of the damage report (segment.md §12,
  // wal.md §6): message "<kind>: <why>", where `why` loses what the problem
  // says already (the file name, "offset N: ", "block N: ") that readers'
  // messages start with.
  static ReadProblem OfKind(Severity severity, std::string file, int64_t block, int64_t offset,
                            const std::string& kind, std::string why);

  // A problem from a failed Status whose message may already name the file.
  static ReadProblem FromStatus(Severity severity, std::string file, int64_t block, int64_t offset,
                                const Status& status);
};

using ReadProblems = std::vector<ReadProblem>;

bool AnyDamage(const ReadProblems& problems);

}  // namespace kpi

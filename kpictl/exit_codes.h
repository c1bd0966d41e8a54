// The exit codes of kpictl, documented once here and in `kpictl --help`.
//
// Scripts rely on them, so a code never changes meaning once released:
//   0  ok (also when nothing matched: an empty answer is still an answer)
//   1  usage error: an unknown option, a bad range, --where or --fields text
//   2  store problem: a missing data directory, an I/O error, a lock held
//   3  damaged data: verify found problems, or export/scan/sample/tail had
//      to skip damaged blocks or frames (stderr names each one)
#pragma once

#include "libkpi/util/status.h"

namespace kpi {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,
  kExitStore = 2,
  kExitDamaged = 3,
};

// The text for `--help` footers.
constexpr const char* kExitCodesHelp =
    "Exit codes: 0 ok (also when nothing matched), 1 usage error (bad option, range,\n"
    "--where or --fields), 2 store problem (missing data dir, I/O error), 3 damaged\n"
    "data found or skipped (each problem is reported on stderr).";

// How a failed Status maps to an exit code: bad input is the caller's
// mistake (1), damaged bytes are 3, anything the system refused is 2.
inline int ExitCodeFor(const Status& s) {
  if (s.ok()) return kExitOk;
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
      return kExitUsage;
    case Status::Code::kCorruption:
      return kExitDamaged;
    default:
      return kExitStore;
  }
}

}  // namespace kpi

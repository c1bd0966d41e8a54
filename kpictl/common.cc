#include "kpictl/common.h"

#include <unistd.h>

#include "kpictl/exit_codes.h"
#include "libkpi/env/output_sink.h"

namespace kpi {
namespace {

// What the reader of an error can do about it, by kind.
const char* HintFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
      return "see kpictl --help";
    case Status::Code::kNotFound:
      return "check --data-dir and the paths given";
    case Status::Code::kCorruption:
      return "run kpictl verify for details";
    case Status::Code::kBusy:
      return "retry in a moment";
    case Status::Code::kNoSpace:
      return "free disk space and retry";
    case Status::Code::kUnsupported:
      return "use a newer kpictl";
    default:
      return "check permissions and the disk, then retry";
  }
}

void PrintLine(const std::string& line) {
  Status ignored = WriteAll(STDERR_FILENO, line + "\n", "standard error");
  (void)ignored;  // nowhere left to report a failing stderr
}

}  // namespace

void PrintNote(const std::string& note) { PrintLine("kpictl: " + note); }

void PrintError(const Status& status) {
  PrintLine("kpictl: " + status.message() + "; " + HintFor(status));
}

void PrintProblems(const ReadProblems& problems, bool quiet) {
  for (const ReadProblem& p : problems) {
    if (!p.damage() && quiet) continue;
    PrintLine(std::string("kpictl: ") + (p.damage() ? "damaged: " : "warning: ") + p.ToString());
  }
}

int ExitCodeAfter(const Status& status, const ReadProblems& problems) {
  if (!status.ok()) return ExitCodeFor(status);
  return AnyDamage(problems) ? kExitDamaged : kExitOk;
}

int ReportAndExit(const Status& status, const ReadProblems& problems, bool quiet) {
  PrintProblems(problems, quiet);
  if (!status.ok()) PrintError(status);
  return ExitCodeAfter(status, problems);
}

}  // namespace kpi

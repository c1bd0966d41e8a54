#include "kpictl/common.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

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

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

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

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool StopRequested() { return g_stop.load(); }

void PauseUnlessStopped(int64_t ms) {
  for (int64_t slept = 0; slept < ms && !g_stop.load(); slept += 20) {
    const struct timespec step = {0, 20 * 1000 * 1000};
    nanosleep(&step, nullptr);
  }
}

}  // namespace kpi

#include "libkpi/ctl_tail.h"

#include <signal.h>
#include <time.h>

#include <atomic>

#include "libkpi/output_sink.h"
#include "libkpi/store_tail.h"

namespace kpi {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Sleeps up to `ms`, returning early when a stop signal arrives.
void PauseUnlessStopped(int64_t ms) {
  for (int64_t slept = 0; slept < ms && !g_stop.load(); slept += 20) {
    const struct timespec step = {0, 20 * 1000 * 1000};
    nanosleep(&step, nullptr);
  }
}

// The cursor without its timestamp: it changes only when the position does.
std::string Position(const TailCursor& cursor) {
  const std::string text = cursor.Serialize();
  return text.substr(text.find('\n') + 1);
}

class Tailer {
 public:
  Tailer(const TailArgs& args, TailCursor cursor)
      : args_(args),
        tail_(args.query.data_dirs, std::move(cursor), args.lookback_ms),
        out_(OutputSink::Stdout()) {}

  Status Begin(bool resume) {
    if (resume) return PollOnce();
    std::vector<TailRecord> newest;
    KPI_RETURN_IF_ERROR(tail_.Start(args_.count, &newest, &problems_));
    for (const TailRecord& r : newest) KPI_RETURN_IF_ERROR(out_->AppendLine(r.json));
    return Checkpoint();
  }

  Status Follow() {
    InstallStopHandlers();
    while (!g_stop.load()) {
      PauseUnlessStopped(args_.poll_ms);
      KPI_RETURN_IF_ERROR(PollOnce());
    }
    return Status::OK();
  }

  // Every problem printed so far; they decide the exit code.
  const ReadProblems& reported() const { return reported_; }

 private:
  Status PollOnce() {
    KPI_RETURN_IF_ERROR(
        tail_.Poll([this](const TailRecord& r) { return out_->AppendLine(r.json); }, &problems_));
    return Checkpoint();
  }

  // Output first, then the cursor: a crash in between repeats, never skips.
  Status Checkpoint() {
    KPI_RETURN_IF_ERROR(out_->Flush());
    PrintProblems(problems_, args_.query.quiet);
    reported_.insert(reported_.end(), problems_.begin(), problems_.end());
    problems_.clear();
    if (args_.cursor_file.empty()) return Status::OK();
    const std::string position = Position(tail_.cursor());
    if (position == saved_position_) return Status::OK();
    KPI_RETURN_IF_ERROR(tail_.cursor().Save(args_.cursor_file));
    saved_position_ = position;
    return Status::OK();
  }

  const TailArgs& args_;
  StoreTail tail_;
  std::unique_ptr<OutputSink> out_;
  ReadProblems problems_;
  ReadProblems reported_;
  std::string saved_position_;
};

}  // namespace

int RunTail(const TailArgs& args) {
  Query query;
  Status s = Query::Parse(args.query, NowMs(), &query);
  if (s.ok()) s = CheckDataDirs(LayoutsFor(query.data_dirs));
  TailCursor cursor;
  bool resume = false;
  if (s.ok() && !args.cursor_file.empty()) s = TailCursor::Load(args.cursor_file, &cursor, &resume);
  if (!s.ok()) return ReportAndExit(s, {}, args.query.quiet);
  Tailer tailer(args, std::move(cursor));
  s = tailer.Begin(resume);
  if (s.ok() && args.follow) s = tailer.Follow();
  // Problems were printed as they came; only the exit code still needs them.
  if (!s.ok()) PrintError(s);
  return ExitCodeAfter(s, tailer.reported());
}

}  // namespace kpi

// kpictl tail: the newest records of a store by arrival, then (with -f)
// every record kpid appends, as stored JSON lines on stdout.
//
//   tail [-n N]             the N newest (default 10), oldest first
//   tail -f                 then follow: poll the WALs every --poll (200ms)
//   tail --cursor-file F    if F exists, print everything after it instead of
//                           the N newest, then save the new position in F
//                           (atomically replaced after each poll's output)
// A followed WAL that kpid seals keeps being read through its descriptor to
// its end, and the segment sealed from it is not read again, so no record is
// printed twice or skipped (store_tail.h, tail_cursor.h). -f stops on SIGINT
// or SIGTERM after the current poll, saving the cursor; a restarted tail with
// the same cursor file goes on where it stopped. Only a crash between
// printing and saving can repeat the records of that one poll.
//
// Thread-safety: installs SIGINT/SIGTERM handlers while following.
#include <cstdint>
#include <string>

#include "kpictl/common.h"
#include "kpictl/exit_codes.h"
#include "libkpi/env/output_sink.h"
#include "libkpi/read/store_tail.h"
#include "libkpi/util/time_util.h"
#include "libkpi/util/units.h"

namespace kpi {

struct TailArgs {
  QueryArgs query;
  uint64_t count = 10;
  bool follow = false;
  std::string cursor_file;
  int64_t poll_ms = 200;
  int64_t lookback_ms = 48 * kMsPerHour;  // where new segments are looked for
};

namespace {

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
    while (!StopRequested()) {
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
  // A follower is stopped by a signal; take it before the first line is out,
  // so a stop right after that line still ends cleanly with the cursor saved.
  if (args.follow) InstallStopHandlers();
  Tailer tailer(args, std::move(cursor));
  s = tailer.Begin(resume);
  if (s.ok() && args.follow) s = tailer.Follow();
  // Problems were printed as they came; only the exit code still needs them.
  if (!s.ok()) PrintError(s);
  return ExitCodeAfter(s, tailer.reported());
}

}  // namespace kpi

namespace kpictl {

CommandMain AddTailCommand(CLI::App* sub, const GlobalOptions& global) {
  auto args = std::make_shared<kpi::TailArgs>();
  auto poll = std::make_shared<std::string>("200ms");
  auto lookback = std::make_shared<std::string>("48h");
  sub->add_option("-n", args->count, "the N newest records (default 10)");
  sub->add_flag("-f,--follow", args->follow, "keep printing records as kpid appends them");
  sub->add_option("--cursor-file", args->cursor_file,
                  "continue after the position saved in FILE, and save the new one there")
      ->type_name("FILE");
  sub->add_option("--poll", *poll, "how often -f looks for new records");
  sub->add_option("--lookback", *lookback,
                  "how far back -f looks for WALs sealed between two polls");
  return [args, poll, lookback, &global] {
    FillGlobals(global, &args->query);
    kpi::Status s = kpi::ParseDuration(*poll, "--poll", &args->poll_ms);
    if (s.ok()) s = kpi::ParseDuration(*lookback, "--lookback", &args->lookback_ms);
    if (!s.ok()) {
      kpi::PrintError(s);
      return static_cast<int>(kpi::kExitUsage);
    }
    return kpi::RunTail(*args);
  };
}

}  // namespace kpictl

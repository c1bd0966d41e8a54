// WriterState: writer ids, the per-writer lock across processes, and seq
// reservations that never repeat a seq across crashes.
#include "libkpi/write/writer_state.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "libkpi/util/time_util.h"
#include "tests/unit/write_path_test_util.h"

namespace kpi {
namespace {

using testing::TempDir;

// Runs `child` in a forked process and returns its exit status.
template <typename Fn>
int InChild(Fn child) {
  const pid_t pid = fork();
  if (pid == 0) _exit(child());
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

TEST_CASE("writer ids derive from the host name") {
  REQUIRE(WriterState::WriterIdFromHostName("Web-01.Example.COM") == "web01examplecom");
  REQUIRE(WriterState::WriterIdFromHostName("a-very-long-host-name.example.org") ==
          "averylonghostnam");
  REQUIRE(WriterState::WriterIdFromHostName("") == "kpid");
  REQUIRE(WriterState::WriterIdFromHostName("---") == "kpid");
  REQUIRE(WriterState::WriterIdFromHostName("compact") == "kpid");

  std::string id;
  REQUIRE(WriterState::ResolveWriterId("", &id).ok());
  REQUIRE(IsValidWriterId(id));
  REQUIRE(WriterState::ResolveWriterId("a1", &id).ok());
  REQUIRE(id == "a1");
  REQUIRE(WriterState::ResolveWriterId("compact", &id).code() == Status::Code::kInvalidArgument);
  REQUIRE(WriterState::ResolveWriterId("Bad_Id", &id).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("the writer lock is exclusive across processes and within one") {
  TempDir dir;
  StoreLayout layout(dir.path());
  std::unique_ptr<WriterState> state;
  REQUIRE(WriterState::Open(layout, "a1", &state).ok());

  const std::string parent_pid = std::to_string(getpid());
  const int child = InChild([&] {
    std::unique_ptr<WriterState> other;
    const Status s = WriterState::Open(layout, "a1", &other);
    const bool names_holder = s.message().find(state->lock_path()) != std::string::npos &&
                              s.message().find("pid " + parent_pid) != std::string::npos;
    return s.IsBusy() && names_holder ? 0 : 1;
  });
  REQUIRE(child == 0);

  std::unique_ptr<WriterState> same_process;
  REQUIRE(WriterState::Open(layout, "a1", &same_process).IsBusy());
  REQUIRE(WriterState::Open(layout, "b2", &same_process).ok());  // other ids are free

  state.reset();
  REQUIRE(InChild([&] {
            std::unique_ptr<WriterState> other;
            return WriterState::Open(layout, "a1", &other).ok() ? 0 : 1;
          }) == 0);
}

TEST_CASE("seqs never repeat across reservations and crashes") {
  TempDir dir;
  StoreLayout layout(dir.path());
  uint64_t highest = 0;
  {
    std::unique_ptr<WriterState> state;
    REQUIRE(WriterState::Open(layout, "a1", &state, /*reservation=*/10).ok());
    for (int i = 0; i < 25; ++i) {
      uint64_t seq;
      REQUIRE(state->NextSeqs(1, &seq).ok());
      REQUIRE(seq > highest);
      highest = seq;
      REQUIRE(state->reserved_bound() > seq);
    }
    uint64_t first;
    REQUIRE(state->NextSeqs(30, &first).ok());  // more than one reservation at once
    REQUIRE(first == highest + 1);
    highest = first + 29;
  }
  // A crashed process hands out seqs and dies without any cleanup.
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  REQUIRE(InChild([&] {
            std::unique_ptr<WriterState> state;
            if (!WriterState::Open(layout, "a1", &state, 10).ok()) return 1;
            uint64_t seq = 0;
            for (int i = 0; i < 7; ++i) {
              if (!state->NextSeqs(1, &seq).ok()) return 1;
            }
            if (write(pipe_fds[1], &seq, sizeof seq) != sizeof seq) return 1;
            _exit(0);  // no destructor: as after SIGKILL
          }) == 0);
  uint64_t child_highest = 0;
  REQUIRE(read(pipe_fds[0], &child_highest, sizeof child_highest) == sizeof child_highest);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  REQUIRE(child_highest > highest);

  std::unique_ptr<WriterState> state;
  REQUIRE(WriterState::Open(layout, "a1", &state, 10).ok());
  uint64_t seq;
  REQUIRE(state->NextSeqs(1, &seq).ok());
  REQUIRE(seq > child_highest);
}

TEST_CASE("a missing or damaged seq file is refused when seqs may have been used") {
  TempDir dir;
  StoreLayout layout(dir.path());
  REQUIRE(layout.CreateDirectories().ok());
  const std::string seq_path = layout.WriterDir("a1") + "/seq";
  {
    std::unique_ptr<WriterState> state;
    REQUIRE(WriterState::Open(layout, "a1", &state).ok());
  }
  testing::WriteWholeFile(seq_path, "garbage-not-a-seq");
  std::unique_ptr<WriterState> state;
  Status s = WriterState::Open(layout, "a1", &state);
  REQUIRE(s.IsCorruption());
  REQUIRE(s.message().find(seq_path) != std::string::npos);

  REQUIRE(unlink(seq_path.c_str()) == 0);
  REQUIRE(WriterState::Open(layout, "a1", &state).ok());  // nothing of a1 exists yet
  state.reset();
  REQUIRE(unlink(seq_path.c_str()) == 0);
  const FileKey key{FromCivil(2026, 1, 1), "a1", 5};
  testing::WriteWholeFile(layout.WalPath(key), "");
  s = WriterState::Open(layout, "a1", &state);
  REQUIRE(s.IsCorruption());
  REQUIRE(s.message().find("missing") != std::string::npos);
}

}  // namespace
}  // namespace kpi

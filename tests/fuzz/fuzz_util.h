// Helpers shared by the libFuzzer targets in tests/fuzz/ and by the unit test
// that replays their corpora without libFuzzer (tests/unit/fuzz_replay_test.cc).
//
// Every target is a function `int Fuzz<Name>(const uint8_t*, size_t)` defined
// in fuzz_<name>.cc; the file also defines LLVMFuzzerTestOneInput unless
// KPI_FUZZ_NO_ENTRY_POINT is set, which lets one binary hold them all.
// A broken invariant calls FuzzCheck, which aborts so libFuzzer (or the
// unit test under ASan) reports the input.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "libkpi/util/coding.h"
#include "libkpi/util/crc32c.h"

namespace kpi::fuzz {

inline void FuzzCheck(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

// A file the readers under test open by path. One per process and target,
// rewritten for every input; in /dev/shm when it exists so a run costs no
// disk I/O.
class ScratchFile {
 public:
  explicit ScratchFile(const char* tag) {
    const char* dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    path_ = std::string(dir) + "/kpi-fuzz-" + tag + "-" + std::to_string(::getpid());
  }
  ~ScratchFile() { ::unlink(path_.c_str()); }

  const std::string& Write(std::string_view data) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FuzzCheck(fd >= 0, "cannot create the scratch file");
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      FuzzCheck(n > 0, "cannot write the scratch file");
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    return path_;
  }

 private:
  std::string path_;
};

// Recomputes the crc32c stored at `crc_at` over bytes [from, to) when the
// buffer holds them, so mutations reach the code behind the checksum.
inline void FixCrc(std::string* data, size_t from, size_t to, size_t crc_at) {
  if (from > to || to > data->size() || crc_at + 4 > data->size()) return;
  EncodeFixed32(data->data() + crc_at, crc32c::Value(data->data() + from, to - from));
}

}  // namespace kpi::fuzz

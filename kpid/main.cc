// kpid: the kpi ingest daemon. Parses options, sends the log to stderr and
// runs the daemon (daemon.h); the engine is libkpi.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "kpid/daemon.h"
#include "kpid/server_options.h"
#include "libkpi/util/log.h"

namespace {

// One write per line: stderr is unbuffered and lines must not interleave.
void WriteLogLine(std::string_view line) {
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;  // nowhere left to report a failing stderr
}

// glibc raises its mmap threshold to the size of each large block freed (up
// to 32 MiB), so after the first few request bodies, parser buffers and WAL
// group buffers of 128 KiB to a few MiB came from the per-thread malloc
// arenas (up to 8 per core) instead, and each arena kept the holes they left.
// Measured with bench/ingest.sh batch100 (64 connections, 100 blobs per POST)
// over 20 s: RSS crept to 67 MiB with a heap of ~40 MiB; with the threshold
// fixed at 128 KiB it stayed flat at 40 MiB. Nothing that large is allocated
// per request (bodies, parsers and group buffers are reused), so the
// mmap/munmap this costs happens only when one of them grows.
void KeepLargeBlocksOutOfArenas() { mallopt(M_MMAP_THRESHOLD, 128 << 10); }

}  // namespace

int main(int argc, char** argv) {
  KeepLargeBlocksOutOfArenas();
  kpi::SetLogSink(WriteLogLine);
  CLI::App app{"kpid - receives sign-in dialog interaction data over HTTP and stores it "
               "durably in a kpi store"};
  kpi::ServerOptions options;
  kpi::AddServerOptions(&app, &options);
  app.footer(kpi::kDaemonExitCodesHelp);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kpi::kDaemonExitConfig;
  }
  return kpi::RunDaemon(options);
}

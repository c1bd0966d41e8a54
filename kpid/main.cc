// kpid: the kpi ingest daemon. Parses options, sends the log to stderr and
// runs the daemon (daemon.h); the engine is libkpi.
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

}  // namespace

int main(int argc, char** argv) {
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

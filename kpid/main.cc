// kpid: the kpi ingest daemon. Parses options and runs libkpi's daemon;
// everything else lives in libkpi (daemon.h, http_server.h).
#include <CLI/CLI.hpp>

#include "kpid/daemon.h"
#include "kpid/server_options.h"

int main(int argc, char** argv) {
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

// RunDaemon: kpid's whole life: load the schema and tokens, open the store
// (recovery), listen, serve until SIGTERM or SIGINT, then stop accepting,
// answer in-flight requests and close the store (which syncs).
//
// Contract: returns the process exit code and logs why on failure:
//   0 clean stop, 1 usage or configuration error (bad option value, schema
//   or token file unusable), 2 cannot open the store (lock held by another
//   kpid, I/O error, no space), 3 cannot listen (address in use, no
//   permission).
// Blocks SIGTERM/SIGINT in every thread and waits for them with sigwait, so
// no work happens in a signal handler; SIGPIPE is ignored.
//
// Thread-safety: call once, from the main thread, before starting threads.
#pragma once

#include "kpid/server_options.h"

namespace kpi {

enum DaemonExitCode : int {
  kDaemonExitOk = 0,
  kDaemonExitConfig = 1,
  kDaemonExitStore = 2,
  kDaemonExitListen = 3,
};

constexpr const char* kDaemonExitCodesHelp =
    "Exit codes: 0 clean stop (SIGTERM/SIGINT), 1 usage or configuration error (bad\n"
    "option, unusable schema or token file), 2 cannot open the store (lock held by\n"
    "another kpid, I/O error), 3 cannot listen (address in use, no permission).";

int RunDaemon(const ServerOptions& options);

}  // namespace kpi

// What kpictl's subcommands share. Each <name>.cc declares its options on the
// subcommand and returns the function that runs it: it calls libkpi, prints
// the result and problems, and yields the exit code (exit_codes.h);
// main.cc runs the one that was given.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libkpi/read/query.h"
#include "libkpi/read/read_problem.h"
#include "libkpi/util/status.h"

namespace kpictl {

// Options before the subcommand, shared by all of them.
struct GlobalOptions {
  std::vector<std::string> data_dirs;
  bool quiet = false;
};

using CommandMain = std::function<int()>;

// Declares the positional [FROM [TO]] / FROM..TO range on `sub`.
void AddRangeArgument(CLI::App* sub, std::vector<std::string>* range);
// Declares the repeatable --where on `sub`.
void AddWhereOption(CLI::App* sub, std::vector<std::string>* where);
// Copies the global options into a command's query arguments.
void FillGlobals(const GlobalOptions& global, kpi::QueryArgs* query);

CommandMain AddLsCommand(CLI::App* sub, const GlobalOptions& global);
CommandMain AddScanCommand(CLI::App* sub, const GlobalOptions& global);
CommandMain AddExportCommand(CLI::App* sub, const GlobalOptions& global);
CommandMain AddSampleCommand(CLI::App* sub, const GlobalOptions& global);
CommandMain AddVerifyCommand(CLI::App* sub, const GlobalOptions& global);
CommandMain AddTailCommand(CLI::App* sub, const GlobalOptions& global);
CommandMain AddCompactCommand(CLI::App* sub, const GlobalOptions& global);
CommandMain AddPurgeCommand(CLI::App* sub, const GlobalOptions& global);
CommandMain AddShipCommand(CLI::App* sub, const GlobalOptions& global);
CommandMain AddReportCommand(CLI::App* sub, const GlobalOptions& global);

}  // namespace kpictl

namespace kpi {

// "kpictl: <note>" on stderr (callers skip it under -q).
void PrintNote(const std::string& note);
// "kpictl: <message>; <hint>" on stderr.
void PrintError(const Status& status);
// Prints problems (damage always, warnings unless `quiet`) on stderr.
void PrintProblems(const ReadProblems& problems, bool quiet);
// The exit code for a command that ended with `status` after meeting
// `problems`: the status decides if it failed, else damage gives 3.
int ExitCodeAfter(const Status& status, const ReadProblems& problems);
// PrintError (if failed), PrintProblems, then ExitCodeAfter.
int ReportAndExit(const Status& status, const ReadProblems& problems, bool quiet);

// For commands that run until stopped (tail -f, ship -f): SIGINT and SIGTERM
// set a flag instead of ending the process, so the command finishes its step.
void InstallStopHandlers();
bool StopRequested();
// Sleeps up to `ms`, returning early when a stop signal arrives.
void PauseUnlessStopped(int64_t ms);

}  // namespace kpi

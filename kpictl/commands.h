// kpictl's subcommands. Each cmd_<name>.cpp only declares its options on the
// subcommand and returns the function that calls libkpi (ctl_<name>.h) and
// yields the exit code; main.cpp runs the one that was given.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "libkpi/ctl_common.h"

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

}  // namespace kpictl

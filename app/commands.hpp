// The subcommands of the ffleet executable. Each adds itself to the CLI11
// parser and runs when chosen; main.cpp only wires them together.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace ffleet {

// Exit codes of ffleet's commands (docs/control.md, "Exit codes").
constexpr int exit_ok = 0;
constexpr int exit_runtime_failure = 1;
constexpr int exit_usage = 2;

// Each returns the function that runs the command once the line is parsed.
std::function<int()> add_run_command(CLI::App& app);
std::function<int()> add_validate_command(CLI::App& app);
std::function<int()> add_ctl_command(CLI::App& app);

}  // namespace ffleet

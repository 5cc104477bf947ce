// `ffleet ctl`: talks to a running daemon.
#include <cstdio>

#include "app/commands.hpp"

namespace ffleet {

std::function<int()> add_ctl_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("ctl", "Control a running fleet");
  cmd->allow_extras();
  return [] {
    std::fprintf(stderr, "ffleet ctl: not available in this build yet\n");
    return exit_runtime_failure;
  };
}

}  // namespace ffleet

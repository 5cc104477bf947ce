#include "src/control/command_table.hpp"

namespace ffleet {

const std::vector<ControlCommand>& control_commands() {
  static const std::vector<ControlCommand> table = {
      {"status", CommandArgs::optional_job, false, true, "Show every job, or one, as a table or as JSON"},
      {"start", CommandArgs::job, true, true, "Set the job's order to start"},
      {"stop", CommandArgs::job, true, true, "Set the order to stop and wait for the process to exit"},
      {"restart", CommandArgs::job, true, true, "Kill the process and start it again at once"},
      {"kill", CommandArgs::job, true, true, "Stop the process but keep the order (it reconnects)"},
      {"logs", CommandArgs::job_and_count, false, true, "Show the job's last log lines"},
      {"report", CommandArgs::job, false, true, "Show the job's run history"},
      {"reload", CommandArgs::none, true, true, "Read the job file again and apply the difference"},
      {"shutdown", CommandArgs::none, true, true, "Stop every job and the daemon"},
      {"metrics", CommandArgs::none, false, false, "The Prometheus text exposition"},
      {"ping", CommandArgs::none, false, false, "Whether the supervisor answers"},
  };
  return table;
}

const ControlCommand* find_control_command(std::string_view name) {
  for (auto& c : control_commands())
    if (c.name == name) return &c;
  return nullptr;
}

std::string command_usage(const ControlCommand& command) {
  std::string out(command.name);
  switch (command.args) {
    case CommandArgs::none: break;
    case CommandArgs::optional_job: out += " [ID]"; break;
    case CommandArgs::job: out += " ID"; break;
    case CommandArgs::job_and_count: out += " ID [N]"; break;
  }
  return out;
}

}  // namespace ffleet

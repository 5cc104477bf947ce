#include "src/control/command_table.hpp"

namespace ffleet {

const std::vector<ControlCommand>& control_commands() {
  static const std::vector<ControlCommand> table = {
      {"status", CommandArgs::optional_job, false, true, "Show every job, or one, as a table or as JSON"},
      {"start", CommandArgs::job, true, true, "Set the jobs' order to start"},
      {"stop", CommandArgs::job, true, true, "Set the order to stop and wait for the processes to exit"},
      {"restart", CommandArgs::job, true, true, "Kill the processes and start them again at once"},
      {"kill", CommandArgs::job, true, true, "Stop the processes but keep the order (they reconnect)"},
      {"logs", CommandArgs::job_and_count, false, true, "Show the job's last log lines, or follow them"},
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
    case CommandArgs::job_and_count: out += " ID [N [AFTER]]"; break;
  }
  return out;
}

}  // namespace ffleet

// The commands of the control protocol, in one table: their words, what
// they take, whether they change the fleet, and their one-line help. The
// control actor checks requests against it, `ffleet ctl` builds its
// subcommands from it, and the HTTP API maps its routes onto its names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ffleet {

enum class CommandArgs : uint8_t {
  none,          // reload, shutdown, metrics, ping
  optional_job,  // status [ID]
  job,           // start ID, report ID, ...
  job_and_count  // logs ID [N [AFTER]]: AFTER, a line number, for followers
};

struct ControlCommand {
  std::string_view name;
  CommandArgs args;
  bool changes_fleet;     // logged at info, the audit trail of who changed what
  bool in_ctl;            // a subcommand of `ffleet ctl` (metrics and ping are HTTP's)
  std::string_view help;  // for `ffleet ctl --help`
};

// Every command, in the order `ffleet ctl --help` lists them.
const std::vector<ControlCommand>& control_commands();

// The command named `name`, or nullptr.
const ControlCommand* find_control_command(std::string_view name);

// "status [ID]", "logs ID [N]": how to call it, for usage errors.
std::string command_usage(const ControlCommand& command);

// Lines `logs` returns when the request does not say.
inline constexpr uint32_t default_log_lines = 50;

}  // namespace ffleet

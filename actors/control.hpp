// The control actor: the one door into a running fleet for operators. `ffleet
// ctl` reaches it over CAF networking and the HTTP front end asks it locally;
// it checks the token, turns the command words into requests to the
// supervisor (always with a timeout) and answers with a ControlReply.
//
// Commands (ControlRequest::command): the table of src/control/command_table.hpp.
// Bodies are JSON (status objects, log entries, run reports, the
// reload's id lists, {"error": "..."} on failure), except for `metrics`,
// whose body is the Prometheus text exposition.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "src/control/command_table.hpp"

namespace ffleet {

struct ControlArgs {
  supervisor_actor supervisor;
  // Asked for their write-error counts by `metrics`; either may be invalid.
  events_actor events;
  log_writer_actor log_writer;
  std::string token;  // "" = no token required
  // Queries answer quickly; `stop` waits for the process to exit, which can
  // take a job's stop_timeout and more.
  std::chrono::milliseconds query_timeout{20000};
  std::chrono::milliseconds command_timeout{60000};
};

control_actor spawn_control(caf::actor_system& sys, ControlArgs args);

// Replies as the control actor makes them: a JSON body on success; on failure
// {"error": message, ...extra} with the exit code that `kind` implies.
ControlReply control_ok(const nlohmann::json& body);
ControlReply control_failure(const std::string& kind, const std::string& message,
                             nlohmann::json extra = nlohmann::json::object());

// How long a client should wait for any reply: longer than the control
// actor's own longest wait, so the client sees the daemon's answer (even a
// timeout) rather than giving up first.
constexpr std::chrono::milliseconds control_reply_timeout{75000};

}  // namespace ffleet

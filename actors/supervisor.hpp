// The root supervisor: brings up one job actor per job of the job file,
// restarts a job actor that dies of a bug (OTP style, with an intensity
// limit: past it the job stays in status, given up, with a gave_up event),
// applies reloads as a diff by id, answers fleet-wide queries by asking the
// jobs, and runs the shutdown. It quits when the last job is gone after a
// shutdown.
#pragma once

#include <chrono>

#include "actors/job.hpp"
#include "actors/messages.hpp"

namespace ffleet {

struct SupervisorArgs {
  std::string path;          // the job file, read again on reload
  FleetSpec fleet;           // already loaded and valid
  Services services;
  // Accept crash_atom, which makes a job actor throw: how the tests
  // exercise the restart of crashed job actors. Off in the daemon.
  bool fault_injection = false;
  // A cluster node's agent: told when a job it took away has ended.
  released_listener_actor released;
  // OTP-style restart intensity: a job actor that dies more than max_crashes
  // times within crash_window is not restarted; the job shows as given up
  // until `start ID` (or a reload that changes its definition).
  uint32_t max_crashes = 5;
  std::chrono::milliseconds crash_window{60000};
};

supervisor_actor spawn_supervisor(caf::actor_system& sys, SupervisorArgs args);

}  // namespace ffleet

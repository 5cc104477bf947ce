// The root supervisor: brings up one job actor per job of the job file,
// restarts a job actor that dies of a bug (OTP style, with an intensity
// limit), applies reloads as a diff by id, answers fleet-wide queries by
// asking the jobs, and runs the shutdown. It quits when the last job is gone
// after a shutdown.
#pragma once

#include <chrono>

#include "actors/job.hpp"
#include "actors/messages.hpp"

namespace ffleet {

struct SupervisorArgs {
  std::string path;          // the job file, read again on reload
  FleetSpec fleet;           // already loaded and valid
  Services services;
  bool fault_injection = false;  // accept `crash` (tests only)
  // OTP-style intensity: more than max_crashes within crash_window for one
  // job and it is not restarted again (until the next reload adds it).
  uint32_t max_crashes = 5;
  std::chrono::milliseconds crash_window{60000};
};

supervisor_actor spawn_supervisor(caf::actor_system& sys, SupervisorArgs args);

}  // namespace ffleet

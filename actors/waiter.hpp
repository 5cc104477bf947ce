// The waiter: one per run. Owns the process's registration in the reactor,
// carries out a stop (sigint: SIGINT to the process group, then SIGKILL and
// pipe close after stop_timeout; sigkill: that at once) and, when the reader
// reports the exit after the last line, tells the job that the run is over
// and whether SIGKILL was needed. If the waiter dies for any reason before
// the exit, its state's destructor kills the process: nothing runs
// unsupervised.
#pragma once

#include <chrono>

#include "actors/messages.hpp"

namespace ffleet {

struct WaiterArgs {
  job_actor job;
  uint64_t run = 0;
  Reactor* reactor = nullptr;
  ChildId child = 0;  // the reactor's id of the run's process
  std::chrono::milliseconds stop_timeout{5000};
};

waiter_actor spawn_waiter(caf::local_actor* parent, WaiterArgs args);

}  // namespace ffleet

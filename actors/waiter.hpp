// The waiter: one per run. Owns the process's registration in the reactor,
// carries out a stop (SIGINT to the process group, SIGKILL and pipe close
// after stop_timeout) and, when the exit status arrives from the reader,
// tells the job that the run is over. If the waiter dies for any reason
// before the exit, its state's destructor kills the process: nothing runs
// unsupervised.
#pragma once

#include <chrono>

#include "actors/messages.hpp"

namespace ffleet {

struct WaiterArgs {
  job_actor job;
  uint64_t run = 0;
  Reactor* reactor = nullptr;
  std::chrono::milliseconds stop_timeout{5000};
};

waiter_actor spawn_waiter(caf::local_actor* parent, WaiterArgs args);

}  // namespace ffleet

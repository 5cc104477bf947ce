// The staler: one per run when stale_timeout is set. Holds one deadline at
// last progress + stale_timeout; progress from the reader moves it, and only
// when the deadline passes without progress does the staler tell the job.
// One timer per stale_timeout, not a poll every second.
#pragma once

#include <chrono>

#include "actors/messages.hpp"

namespace ffleet {

struct StalerArgs {
  job_actor job;
  uint64_t run = 0;
  std::chrono::milliseconds timeout{0};
};

staler_actor spawn_staler(caf::local_actor* parent, StalerArgs args);

}  // namespace ffleet

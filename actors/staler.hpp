// The staler: one per run when stale_timeout is set. Holds one deadline at
// last progress + stale_timeout; progress from the reader moves it, and only
// when the deadline passes without progress does the staler tell the job.
// One timer per stale_timeout, not a poll every second.
//
// Two savings for large fleets: the reader tells the staler about progress
// at most every `notify_every` (so the deadline gets that much slack: a
// stale is never declared early, at most that late), and deadlines are
// rounded up to a common grid so the timers of many jobs fire together,
// one wake-up of the actor system instead of one per job.
#pragma once

#include <chrono>

#include "actors/messages.hpp"

namespace ffleet {

struct StalerArgs {
  job_actor job;
  uint64_t run = 0;
  std::chrono::milliseconds timeout{0};
  std::chrono::milliseconds notify_every{0};  // the reader's throttle
};

// How often the reader passes progress on to a staler with this timeout.
std::chrono::milliseconds stale_notify_interval(std::chrono::milliseconds timeout);

staler_actor spawn_staler(caf::local_actor* parent, StalerArgs args);

}  // namespace ffleet

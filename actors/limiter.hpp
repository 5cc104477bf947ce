// The limiter: one per run. Receives the run's CPU and memory samples from
// the fleet-wide sampler, keeps their maximum and average for the run report,
// passes them to the job when they changed noticeably (or every few seconds:
// a fleet of idle jobs should not cost a message per job per second) and,
// when a limit has been exceeded continuously for limits.duration, tells the
// job once, which kills the process.
#pragma once

#include "actors/messages.hpp"

namespace ffleet {

struct LimiterArgs {
  job_actor job;
  uint64_t run = 0;
  Limits limits;
  sampler_actor sampler;
  int32_t pid = 0;  // the session leader; the sampler sums its whole session
};

limiter_actor spawn_limiter(caf::local_actor* parent, LimiterArgs args);

}  // namespace ffleet

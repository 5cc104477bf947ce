// The sampler: one for the fleet. Every `interval` it reads /proc once for
// all registered process trees (ProcSampler) and sends each limiter its
// sample. One tick for the whole fleet instead of a timer per job keeps the
// idle cost flat (see the timer costs in the CAF field notes).
#pragma once

#include <chrono>

#include "actors/messages.hpp"

namespace ffleet {

sampler_actor spawn_sampler(caf::actor_system& sys, std::chrono::milliseconds interval);

}  // namespace ffleet

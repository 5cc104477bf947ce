// The sampler: one for the fleet. Every `interval` it reads /proc once for
// all registered process trees (ProcSampler) and sends each limiter its
// sample. One tick for the whole fleet instead of a timer per job keeps the
// idle cost flat: CAF's timer cost grows with wake-ups, and a thousand
// randomly phased one-second timers cost about ten times one aligned tick
// (docs/architecture.md, "Timers").
#pragma once

#include <chrono>

#include "actors/messages.hpp"

namespace ffleet {

sampler_actor spawn_sampler(caf::actor_system& sys, std::chrono::milliseconds interval);

}  // namespace ffleet

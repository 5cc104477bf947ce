// When to restart a job after a run ended, and when to give up.
//
// Plain decision logic, no timers: the job actor asks it for a delay and arms
// its own timer. Semantics (docs/job-file.md):
//  - without `backoff` the delay is always `reconnect_delay`;
//  - with `backoff` it grows by `factor` per consecutive restart up to `max`,
//    and falls back to `reconnect_delay` once a run lasted `reset_after`;
//    `jitter` spreads each delay by +-that fraction;
//  - after a limit kill a random extra of up to max(reconnect_delay, 1s) is
//    added, so a fleet killed together does not restart in lockstep;
//  - more than `max_restarts` automatic restarts within `restart_window`
//    make the job give up (0 = never). Operator starts do not count.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>

namespace ffleet {

// The built-in values are the job file's defaults (docs/job-file.md).
struct RestartSettings {
  std::chrono::milliseconds reconnect_delay{5000};
  bool backoff = false;
  std::chrono::milliseconds backoff_max{300000};
  double backoff_factor = 2.0;
  std::chrono::milliseconds backoff_reset_after{60000};
  double backoff_jitter = 0.1;
  uint32_t max_restarts = 0;
  std::chrono::milliseconds restart_window{60000};
};

class RestartPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RestartPolicy(RestartSettings settings, uint64_t seed = std::random_device{}());

  struct Decision {
    bool give_up = false;
    std::chrono::milliseconds delay{0};
    uint32_t restarts_in_window = 0;  // for the gave_up event
  };

  // A run that lasted `runtime` ended at `now`; `limit_kill` says it was
  // killed for exceeding a resource limit. Counts the restart it plans.
  Decision next(Clock::time_point now, std::chrono::milliseconds runtime, bool limit_kill);

  // The operator started the job: forget past restarts and the backoff.
  void reset();

 private:
  std::chrono::milliseconds backoff_delay();

  RestartSettings settings_;
  std::mt19937_64 rng_;
  uint32_t consecutive_ = 0;             // restarts since the last long-enough run
  std::deque<Clock::time_point> recent_;  // automatic restarts within the window
};

}  // namespace ffleet

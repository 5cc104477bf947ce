#include "src/job/restart_policy.hpp"

#include <algorithm>
#include <cmath>

namespace ffleet {

using std::chrono::milliseconds;

RestartPolicy::RestartPolicy(RestartSettings settings, uint64_t seed)
    : settings_(settings), rng_(seed) {}

void RestartPolicy::reset() {
  consecutive_ = 0;
  recent_.clear();
}

milliseconds RestartPolicy::backoff_delay() {
  double base = static_cast<double>(settings_.reconnect_delay.count());
  double grown = base * std::pow(settings_.backoff_factor, static_cast<double>(consecutive_));
  double capped = std::min(grown, static_cast<double>(settings_.backoff_max.count()));
  if (settings_.backoff_jitter > 0) {
    std::uniform_real_distribution<double> spread(-settings_.backoff_jitter, settings_.backoff_jitter);
    capped *= 1.0 + spread(rng_);
  }
  return milliseconds(static_cast<int64_t>(std::max(0.0, capped)));
}

RestartPolicy::Decision RestartPolicy::next(Clock::time_point now, milliseconds runtime,
                                            bool limit_kill) {
  Decision d;
  if (settings_.max_restarts > 0) {
    while (!recent_.empty() && now - recent_.front() >= settings_.restart_window) recent_.pop_front();
    if (recent_.size() >= settings_.max_restarts) {
      d.give_up = true;
      d.restarts_in_window = static_cast<uint32_t>(recent_.size());
      return d;
    }
    recent_.push_back(now);
    d.restarts_in_window = static_cast<uint32_t>(recent_.size());
  }

  if (settings_.backoff) {
    if (runtime >= settings_.backoff_reset_after) consecutive_ = 0;
    d.delay = backoff_delay();
    ++consecutive_;
  } else {
    d.delay = settings_.reconnect_delay;
  }

  if (limit_kill) {
    auto spread_max = std::max(settings_.reconnect_delay, milliseconds(1000));
    std::uniform_int_distribution<int64_t> extra(0, spread_max.count());
    d.delay += milliseconds(extra(rng_));
  }
  return d;
}

}  // namespace ffleet

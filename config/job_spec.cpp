#include "config/job_spec.hpp"

#include <tuple>

namespace ffleet {

bool Backoff::operator==(const Backoff& other) const {
  return std::tie(max, factor, reset_after, jitter) ==
         std::tie(other.max, other.factor, other.reset_after, other.jitter);
}

bool Limits::operator==(const Limits& other) const {
  return std::tie(cpu, memory, duration) == std::tie(other.cpu, other.memory, other.duration);
}

namespace {
// Every field but pos. A field added to JobSpec must be added here, or a
// reload would not notice it changed (the equality test checks each field).
auto definition(const JobSpec& j) {
  return std::tie(j.id, j.binary, j.args, j.autostart, j.reconnect, j.reconnect_delay,
                  j.backoff, j.max_restarts, j.restart_window, j.stale_timeout,
                  j.stop_timeout, j.timeout, j.limits, j.env, j.inherit_env, j.cwd,
                  j.log_lines, j.history, j.log_file, j.log_max_size, j.log_keep);
}
}  // namespace

bool JobSpec::operator==(const JobSpec& other) const {
  return definition(*this) == definition(other);
}

RestartSettings restart_settings(const JobSpec& spec) {
  RestartSettings r;
  r.reconnect_delay = spec.reconnect_delay;
  r.backoff = spec.backoff.has_value();
  if (spec.backoff) {
    r.backoff_max = spec.backoff->max;
    r.backoff_factor = spec.backoff->factor;
    r.backoff_reset_after = spec.backoff->reset_after;
    r.backoff_jitter = spec.backoff->jitter;
  }
  r.max_restarts = spec.max_restarts;
  r.restart_window = spec.restart_window;
  return r;
}

bool same_job_and_placement(const JobSpec& a, const JobSpec& b) {
  return a == b && a.node == b.node && a.node_labels == b.node_labels;
}

}  // namespace ffleet

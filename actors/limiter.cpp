#include "actors/limiter.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "config/values.hpp"

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;

// A sample is passed on when it moved this much, or after max_silence.
constexpr double cpu_step = 1.0;            // percentage points
constexpr double memory_step = 0.01;        // fraction of the last value sent
constexpr auto max_silence = std::chrono::seconds(5);

struct limiter_state {
  LimiterArgs args;
  std::optional<Clock::time_point> cpu_over_since, memory_over_since;
  bool fired = false;
  ResourceStats stats;
  double cpu_sum = 0, memory_sum = 0;
  uint64_t samples = 0;
  double sent_cpu = -1;
  uint64_t sent_memory = 0;
  Clock::time_point sent_at;
  static inline const char* name = "limiter";
};

void account(limiter_state& st, double cpu, uint64_t rss) {
  ++st.samples;
  st.cpu_sum += cpu;
  st.memory_sum += static_cast<double>(rss);
  st.stats.cpu_max = std::max(st.stats.cpu_max, cpu);
  st.stats.memory_max = std::max(st.stats.memory_max, rss);
  st.stats.cpu_avg = st.cpu_sum / static_cast<double>(st.samples);
  st.stats.memory_avg = static_cast<uint64_t>(st.memory_sum / static_cast<double>(st.samples));
}

bool worth_sending(const limiter_state& st, double cpu, uint64_t rss, Clock::time_point now) {
  if (st.sent_cpu < 0 || now - st.sent_at >= max_silence) return true;
  if (std::abs(cpu - st.sent_cpu) >= cpu_step) return true;
  double base = static_cast<double>(std::max<uint64_t>(st.sent_memory, 1));
  return std::abs(static_cast<double>(rss) - static_cast<double>(st.sent_memory)) / base >= memory_step;
}

using limiter_ptr = limiter_actor::stateful_pointer<limiter_state>;

// True once `over` has held continuously for the limit's duration.
bool exceeded_long_enough(std::optional<Clock::time_point>& since, bool over,
                          Clock::time_point now, std::chrono::milliseconds duration) {
  if (!over) {
    since.reset();
    return false;
  }
  if (!since) since = now;
  return now - *since >= duration;
}

std::string limit_reason(const char* resource, double value, double limit, std::chrono::milliseconds duration) {
  std::string what = std::string(resource) == "cpu"
                         ? fmt::format("cpu {:.1f}% over limit {:.1f}%", value, limit)
                         : fmt::format("memory {:.0f} bytes over limit {:.0f} bytes", value, limit);
  return "limit exceeded: " + what + " for " + format_duration(duration);
}

// Tells the job once, for the first limit exceeded long enough.
void judge(limiter_ptr self, const UsageSample& sample, Clock::time_point now) {
  auto& st = self->state;
  auto& lim = st.args.limits;
  const char* resource = nullptr;
  double value = 0, limit = 0;
  if (lim.cpu > 0 && exceeded_long_enough(st.cpu_over_since, sample.cpu_percent > lim.cpu, now, lim.duration)) {
    resource = "cpu";
    value = sample.cpu_percent;
    limit = lim.cpu;
  } else if (lim.memory > 0 &&
             exceeded_long_enough(st.memory_over_since, sample.rss_bytes > lim.memory, now, lim.duration)) {
    resource = "memory";
    value = static_cast<double>(sample.rss_bytes);
    limit = static_cast<double>(lim.memory);
  }
  if (!resource) return;
  st.fired = true;
  self->send(st.args.job, LimitExceeded{st.args.run, resource, value, limit,
                                        limit_reason(resource, value, limit, lim.duration)});
}

void on_sample(limiter_ptr self, const UsageSample& sample) {
  auto& st = self->state;
  auto now = Clock::now();
  account(st, sample.cpu_percent, sample.rss_bytes);
  if (worth_sending(st, sample.cpu_percent, sample.rss_bytes, now)) {
    self->send(st.args.job, RunUsage{st.args.run, sample, st.stats});
    st.sent_cpu = sample.cpu_percent;
    st.sent_memory = sample.rss_bytes;
    st.sent_at = now;
  }
  if (!st.fired) judge(self, sample, now);
}

limiter_actor::behavior_type limiter_impl(limiter_ptr self, LimiterArgs args) {
  self->state.args = std::move(args);
  auto& a = self->state.args;
  if (a.sampler) self->send(a.sampler, WatchTree{a.pid, limiter_actor{self}});
  return {
      [=](const UsageSample& sample) { on_sample(self, sample); },
  };
}

}  // namespace

limiter_actor spawn_limiter(caf::local_actor* parent, LimiterArgs args) {
  return parent->spawn<caf::linked>(limiter_impl, std::move(args));
}

}  // namespace ffleet

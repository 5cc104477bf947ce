#include "actors/limiter.hpp"

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;

struct limiter_state {
  LimiterArgs args;
  std::optional<Clock::time_point> cpu_over_since, memory_over_since;
  bool fired = false;
  static inline const char* name = "limiter";
};

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

limiter_actor::behavior_type limiter_impl(limiter_ptr self, LimiterArgs args) {
  self->state.args = std::move(args);
  auto& a = self->state.args;
  if (a.sampler) self->send(a.sampler, register_atom::value, a.pid, limiter_actor{self});
  return {
      [=](usage_atom, double cpu, uint64_t rss) {
        auto& st = self->state;
        auto& lim = st.args.limits;
        self->send(st.args.job, usage_atom::value, st.args.run, cpu, rss);
        if (st.fired) return;
        auto now = Clock::now();
        if (lim.cpu > 0 && exceeded_long_enough(st.cpu_over_since, cpu > lim.cpu, now, lim.duration)) {
          st.fired = true;
          self->send(st.args.job, limit_atom::value, st.args.run, std::string("cpu"), cpu, lim.cpu);
        } else if (lim.memory > 0 &&
                   exceeded_long_enough(st.memory_over_since, rss > lim.memory, now, lim.duration)) {
          st.fired = true;
          self->send(st.args.job, limit_atom::value, st.args.run, std::string("memory"),
                     static_cast<double>(rss), static_cast<double>(lim.memory));
        }
      },
  };
}

}  // namespace

limiter_actor spawn_limiter(caf::local_actor* parent, LimiterArgs args) {
  return parent->spawn<caf::linked>(limiter_impl, std::move(args));
}

}  // namespace ffleet

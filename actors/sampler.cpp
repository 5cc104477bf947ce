#include "actors/sampler.hpp"

#include <unordered_map>

#include "src/process/proc_sampler.hpp"

namespace ffleet {

namespace {

struct sampler_state {
  ProcSampler proc;
  std::unordered_map<int32_t, limiter_actor> trees;  // session id -> its limiter
  std::chrono::steady_clock::time_point next_tick;
  std::chrono::milliseconds interval{1000};
  static inline const char* name = "sampler";
};

using sampler_ptr = sampler_actor::stateful_pointer<sampler_state>;

sampler_actor::behavior_type sampler_impl(sampler_ptr self, std::chrono::milliseconds interval) {
  auto& st = self->state;
  st.interval = interval;
  st.next_tick = std::chrono::steady_clock::now() + interval;
  self->scheduled_send(self, st.next_tick, sample_atom::value);
  // A tree is sampled for as long as its limiter lives (the run).
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& trees = self->state.trees;
    for (auto i = trees.begin(); i != trees.end(); ++i)
      if (i->second.address() == dm.source) {
        trees.erase(i);
        break;
      }
  });
  return {
      [=](const WatchTree& watch) {
        self->monitor(watch.limiter);
        self->state.trees[watch.session] = watch.limiter;
      },
      [=](sample_atom) {
        auto& st = self->state;
        if (!st.trees.empty()) {
          std::vector<pid_t> sessions;
          sessions.reserve(st.trees.size());
          for (auto& kv : st.trees) sessions.push_back(kv.first);
          auto usage = st.proc.sample(sessions);
          for (auto& kv : usage) {
            auto i = st.trees.find(kv.first);
            if (i != st.trees.end())
              self->send(i->second, UsageSample{kv.second.cpu_percent, kv.second.rss_bytes});
          }
        }
        // Absolute deadlines: the tick does not drift with handling time.
        st.next_tick += st.interval;
        auto now = std::chrono::steady_clock::now();
        if (st.next_tick < now) st.next_tick = now + st.interval;
        self->scheduled_send(self, st.next_tick, sample_atom::value);
      },
  };
}

}  // namespace

sampler_actor spawn_sampler(caf::actor_system& sys, std::chrono::milliseconds interval) {
  return sys.spawn(sampler_impl, interval);
}

}  // namespace ffleet

#include "actors/staler.hpp"

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;

struct staler_state {
  StalerArgs args;
  Clock::time_point last_progress;
  bool fired = false;
  static inline const char* name = "staler";
};

using staler_ptr = staler_actor::stateful_pointer<staler_state>;

staler_actor::behavior_type staler_impl(staler_ptr self, StalerArgs args) {
  auto& st = self->state;
  st.args = std::move(args);
  // The run counts as making progress at its start: a process gets a full
  // stale_timeout to produce its first progress.
  st.last_progress = Clock::now();
  self->delayed_send(self, st.args.timeout, tick_atom::value);
  return {
      [=](progress_atom) { self->state.last_progress = Clock::now(); },
      [=](tick_atom) {
        auto& st = self->state;
        if (st.fired) return;
        auto now = Clock::now();
        auto deadline = st.last_progress + st.args.timeout;
        if (now < deadline) {
          self->delayed_send(self, deadline - now, tick_atom::value);
          return;
        }
        st.fired = true;
        double idle_s = std::chrono::duration<double>(now - st.last_progress).count();
        self->send(st.args.job, stale_atom::value, st.args.run, idle_s);
      },
  };
}

}  // namespace

staler_actor spawn_staler(caf::local_actor* parent, StalerArgs args) {
  return parent->spawn<caf::linked>(staler_impl, std::move(args));
}

}  // namespace ffleet

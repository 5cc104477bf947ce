#include "actors/staler.hpp"

#include <algorithm>

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto grid = std::chrono::milliseconds(250);

// The first grid point at or after t.
Clock::time_point on_grid(Clock::time_point t) {
  auto since_epoch = t.time_since_epoch();
  auto rem = since_epoch % grid;
  return rem.count() == 0 ? t : t + (grid - rem);
}

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
  self->scheduled_send(self, on_grid(st.last_progress + st.args.timeout + st.args.notify_every),
                       deadline_atom::value);
  return {
      [=](progress_atom) { self->state.last_progress = Clock::now(); },
      [=](deadline_atom) {
        auto& st = self->state;
        if (st.fired) return;
        auto now = Clock::now();
        auto deadline = st.last_progress + st.args.timeout + st.args.notify_every;
        if (now < deadline) {
          self->scheduled_send(self, on_grid(deadline), deadline_atom::value);
          return;
        }
        st.fired = true;
        double idle_s = std::chrono::duration<double>(now - st.last_progress).count();
        self->send(st.args.job, Stale{st.args.run, idle_s});
      },
  };
}

}  // namespace

std::chrono::milliseconds stale_notify_interval(std::chrono::milliseconds timeout) {
  return std::min(std::chrono::milliseconds(1000), timeout / 4);
}

staler_actor spawn_staler(caf::local_actor* parent, StalerArgs args) {
  return parent->spawn<caf::linked>(staler_impl, std::move(args));
}

}  // namespace ffleet

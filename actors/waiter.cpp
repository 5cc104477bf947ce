#include "actors/waiter.hpp"

#include <csignal>

namespace ffleet {

namespace {

struct waiter_state {
  WaiterArgs args;
  std::optional<ChildId> child;
  bool exited = false;
  bool stop_requested = false;
  bool kill_requested = false;
  bool escalated = false;
  static inline const char* name = "waiter";

  ~waiter_state() {
    if (child && !exited && args.reactor) args.reactor->release(*child);
  }
};

using waiter_ptr = waiter_actor::stateful_pointer<waiter_state>;

void send_kill(waiter_ptr self) {
  auto& st = self->state;
  if (st.exited || st.escalated || !st.child) return;
  st.escalated = true;
  st.args.reactor->kill_and_close(*st.child);
}

void send_stop(waiter_ptr self) {
  auto& st = self->state;
  if (st.exited || !st.child) return;
  st.args.reactor->signal_group(*st.child, SIGINT);
  self->delayed_send(self, st.args.stop_timeout, timeout_atom::value);
}

waiter_actor::behavior_type waiter_impl(waiter_ptr self, WaiterArgs args) {
  self->state.args = std::move(args);
  return {
      [=](register_atom, ChildId id) {
        auto& st = self->state;
        st.child = id;
        // A stop may have been asked for before the id was known.
        if (st.kill_requested) send_kill(self);
        else if (st.stop_requested) send_stop(self);
      },
      [=](stop_atom) {
        auto& st = self->state;
        if (st.stop_requested) return;
        st.stop_requested = true;
        send_stop(self);
      },
      [=](kill_atom) {
        self->state.kill_requested = true;
        send_kill(self);
      },
      [=](timeout_atom) { send_kill(self); },
      [=](exit_atom, const ExitStatus& status) {
        auto& st = self->state;
        st.exited = true;
        self->send(st.args.job, exit_atom::value, st.args.run, RunEnd{status, st.escalated});
        self->quit();
      },
  };
}

}  // namespace

waiter_actor spawn_waiter(caf::local_actor* parent, WaiterArgs args) {
  return parent->spawn<caf::linked>(waiter_impl, std::move(args));
}

}  // namespace ffleet

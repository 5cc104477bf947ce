#include "actors/waiter.hpp"

#include <csignal>

namespace ffleet {

namespace {

struct waiter_state {
  WaiterArgs args;
  bool exited = false;
  bool interrupted = false;  // SIGINT sent, the escalation timer runs
  Forced forced = Forced::no;
  static inline const char* name = "waiter";

  ~waiter_state() {
    if (!exited && args.reactor) args.reactor->release(args.child);
  }
};

using waiter_ptr = waiter_actor::stateful_pointer<waiter_state>;

void force(waiter_ptr self, Forced how) {
  auto& st = self->state;
  if (st.exited || st.forced != Forced::no) return;
  st.forced = how;
  st.args.reactor->kill_and_close(st.args.child);
}

void interrupt(waiter_ptr self) {
  auto& st = self->state;
  if (st.exited || st.interrupted) return;
  st.interrupted = true;
  st.args.reactor->signal_group(st.args.child, SIGINT);
  self->delayed_send(self, st.args.stop_timeout, escalate_atom::value);
}

void on_drained(waiter_ptr self, const ExitStatus& status) {
  auto& st = self->state;
  st.exited = true;
  self->send(st.args.job, RunEnd{st.args.run, status, st.forced});
  self->quit();
}

waiter_actor::behavior_type waiter_impl(waiter_ptr self, WaiterArgs args) {
  self->state.args = std::move(args);
  return {
      [=](sigint_atom) { interrupt(self); },
      [=](sigkill_atom) { force(self, Forced::at_once); },
      [=](escalate_atom) { force(self, Forced::after_stop_timeout); },
      [=](drained_atom, const ExitStatus& status) { on_drained(self, status); },
  };
}

}  // namespace

waiter_actor spawn_waiter(caf::local_actor* parent, WaiterArgs args) {
  return parent->spawn<caf::linked>(waiter_impl, std::move(args));
}

}  // namespace ffleet

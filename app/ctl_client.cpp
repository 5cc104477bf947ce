#include "app/ctl_client.hpp"

#include <caf/io/all.hpp>

#include "actors/control.hpp"

namespace ffleet {

namespace {

struct caller_state {
  bool lost = false;
  caf::typed_response_promise<ControlReply> pending;
  static inline const char* name = "ctl-caller";
};

// Forwards one request to the daemon's control actor and watches the
// connection meanwhile: a scoped_actor's blocking receive would sit out the
// whole reply timeout after the daemon is gone, an event-based actor gets the
// down message as soon as the middleman does.
caf::behavior caller(caf::stateful_actor<caller_state>* self, control_actor remote) {
  self->monitor(remote);
  self->set_down_handler([=](caf::down_msg&) {
    self->state.lost = true;
    if (self->state.pending.pending())
      self->state.pending.deliver(make_error(errc::refused, "the connection to the daemon was lost"));
    self->quit();
  });
  return {
      [=](ControlRequest& request) -> caf::result<ControlReply> {
        if (self->state.lost) return make_error(errc::refused, "the connection to the daemon was lost");
        self->state.pending = self->make_response_promise<ControlReply>();
        self->request(remote, control_reply_timeout, std::move(request))
            .then(
                [=](ControlReply& reply) {
                  self->state.pending.deliver(std::move(reply));
                  self->quit();
                },
                [=](caf::error& e) {
                  self->state.pending.deliver(e == caf::sec::request_timeout
                                                  ? make_error(errc::refused, "the daemon did not answer in time")
                                                  : std::move(e));
                  self->quit();
                });
        return self->state.pending;
      },
  };
}

std::string connect_error(const HostPort& daemon, const caf::error& e) {
  std::string why;
  if (e == caf::sec::request_timeout)
    why = "no answer within " + std::to_string(connect_timeout.count() / 1000) + " s: frozen or overloaded?";
  else if (e == caf::sec::connection_timeout)
    why = "it accepted the connection but does not answer: frozen or overloaded?";
  else if (e == caf::sec::cannot_connect_to_node)
    why = "nothing listens there";
  else
    why = caf::to_string(e);
  return "cannot reach the daemon at " + daemon.to_string() + " (" + why + "); is `ffleet run` running there?";
}

}  // namespace

control_actor connect_daemon(caf::actor_system& sys, const HostPort& daemon, std::string* error) {
  caf::scoped_actor self{sys};
  // Not middleman::remote_actor: it waits for the handshake without a limit.
  control_actor remote;
  self->request(sys.middleman().actor_handle(), connect_timeout, caf::connect_atom::value, daemon.host,
                daemon.port)
      .receive(
          [&](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>& interface) {
            if (!ptr)
              *error = "nothing is published at " + daemon.to_string() + "; is that the --control address?";
            else if (!sys.assignable<control_actor>(interface))
              *error = "the daemon at " + daemon.to_string() +
                       " speaks another control protocol (a different ffleet version?)";
            else
              remote = caf::actor_cast<control_actor>(std::move(ptr));
          },
          [&](caf::error& e) { *error = connect_error(daemon, e); });
  return remote;
}

std::vector<CallOutcome> call_connected(caf::actor_system& sys, const control_actor& remote,
                                        std::vector<ControlRequest> requests) {
  caf::scoped_actor self{sys};
  const auto timeout = control_reply_timeout + std::chrono::seconds(5);
  std::vector<caf::actor> callers;
  std::vector<decltype(self->request(caf::actor(), timeout, ControlRequest{}))> pending;
  for (auto& request : requests) {
    callers.push_back(sys.spawn(caller, remote));
    pending.push_back(self->request(callers.back(), timeout, std::move(request)));
  }
  std::vector<CallOutcome> out(pending.size());
  for (size_t i = 0; i < pending.size(); ++i)
    pending[i].receive(
        [&](ControlReply& reply) {
          out[i].answered = true;
          out[i].reply = std::move(reply);
        },
        [&](caf::error& e) { out[i].error = error_text(e); });
  for (auto& call : callers) caf::anon_send_exit(call, caf::exit_reason::user_shutdown);
  return out;
}

CallOutcome call_daemon(caf::actor_system& sys, const HostPort& daemon, ControlRequest request) {
  CallOutcome out;
  auto remote = connect_daemon(sys, daemon, &out.error);
  if (!remote) return out;
  std::vector<ControlRequest> one;
  one.push_back(std::move(request));
  return std::move(call_connected(sys, remote, std::move(one)).front());
}

}  // namespace ffleet

// The client side of the control protocol: one connection, one request, one
// reply, and never a hang. A daemon that is not there fails the connect at
// once; one that accepts TCP but does not speak (frozen, overloaded) fails it
// after connect_timeout; one that dies or freezes mid-command is noticed
// through CAF's heartbeats (see configure_control_plane) within one to two
// ctl_heartbeat_interval, because pending remote requests are NOT failed
// when the peer goes away: such a request only ends at its own timeout.
#pragma once

#include <chrono>
#include <string>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "src/control/host_port.hpp"

namespace ffleet {

constexpr std::chrono::milliseconds connect_timeout{10000};

struct CallOutcome {
  bool answered = false;  // false: `error` says why there is no reply
  ControlReply reply;
  std::string error;
};

// Needs an actor system configured with configure_control_plane.
CallOutcome call_daemon(caf::actor_system& sys, const HostPort& daemon, ControlRequest request);

// The same in steps, for a client that sends several commands over one
// connection (`ctl stop --all`, `ctl logs -f`). connect_daemon: an invalid
// handle, with the reason in `error`, when the daemon cannot be reached.
control_actor connect_daemon(caf::actor_system& sys, const HostPort& daemon, std::string* error);
// Sends every request at once and waits for all replies, in request order:
// ten stops take as long as the slowest, not as long as all together.
std::vector<CallOutcome> call_connected(caf::actor_system& sys, const control_actor& remote,
                                        std::vector<ControlRequest> requests);

}  // namespace ffleet

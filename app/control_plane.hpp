// The control plane of a running fleet: the control actor that `ffleet ctl`
// reaches over CAF networking, and the optional HTTP server (API, metrics,
// dashboard). Both only forward requests to the supervisor, through the
// control actor, which checks the token.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace ffleet {

struct ControlOptions {
  std::string control;     // HOST:PORT for ctl; empty = off; port 0 = any (logged)
  std::string http;        // HOST:PORT for HTTP; empty = off; port 0 = any (logged)
  std::string token_file;  // else FFLEET_TOKEN; required when an endpoint binds off loopback
  std::string token;       // filled by resolve_control_options
};

// Registers the network message types, loads the middleman and turns on
// heartbeats, so either side of a connection notices a dead or frozen peer.
// Call on the config before the actor system is built; ctl and run both use
// it, each with its role.
enum class ControlRole { daemon, ctl };

// ctl's heartbeat tick, also how long it waits for silence from the daemon
// before it gives up (so a frozen daemon is noticed within one to two of
// these). Longer than ctl's connect deadline, see configure_control_plane.
constexpr std::chrono::milliseconds ctl_heartbeat_interval{11000};

void configure_control_plane(caf::actor_system_config& cfg, ControlRole role);

// Checks the addresses and loads the token into `options.token`. Refuses an
// endpoint reachable from the network without a token. Returns "" when all
// is well, else what is wrong (a usage error: exit 2, start nothing).
std::string resolve_control_options(ControlOptions& options);

// Running control endpoints; destroying it closes them.
class ControlPlane {
 public:
  virtual ~ControlPlane() = default;
  // The port the control endpoint listens on (the kernel's pick for port 0);
  // 0 when it is off.
  virtual uint16_t control_port() const = 0;
};

// Opens the endpoints; null (after logging why) when one cannot be opened.
std::unique_ptr<ControlPlane> start_control_plane(caf::actor_system& sys, supervisor_actor supervisor,
                                                  events_actor events, log_writer_actor log_writer,
                                                  const ControlOptions& options);

// The same with another control actor behind the endpoints (a cluster
// node's), made once the token is known.
using ControlFactory = std::function<control_actor(const std::string& token)>;
std::unique_ptr<ControlPlane> start_control_plane(caf::actor_system& sys, const ControlFactory& make_control,
                                                  events_actor events, const ControlOptions& options);

}  // namespace ffleet

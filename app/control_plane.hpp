// The control plane of a running fleet: the control actor that `ffleet ctl`
// reaches over CAF networking, and the optional HTTP server (API, metrics,
// dashboard). Both only forward requests to the supervisor.
#pragma once

#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace ffleet {

struct ControlOptions {
  std::string control;     // HOST:PORT for ctl; empty = off
  std::string http;        // HOST:PORT for HTTP; empty = off
  std::string token_file;  // else FFLEET_TOKEN; required when control binds off loopback
};

// Registers the network message types and loads the middleman. Call on the
// config before the actor system is built.
void configure_control_plane(caf::actor_system_config& cfg);

// Running control endpoints; destroying it closes them.
class ControlPlane {
 public:
  virtual ~ControlPlane() = default;
};

// Opens the endpoints; null (after logging why) when one cannot be opened.
std::unique_ptr<ControlPlane> start_control_plane(caf::actor_system& sys, supervisor_actor supervisor,
                                                  events_actor events, const ControlOptions& options);

}  // namespace ffleet

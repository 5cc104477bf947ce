// The message types the control plane registers with CAF (as
// configure_control_plane in app/control_plane.cpp does), for the control
// fuzzer and its seed writer. Not the function itself: it also loads the
// middleman, which would pull the actors and the HTTP server into a fuzzer
// that only decodes bytes.
#pragma once

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace ffleet::fuzz {

inline void register_control_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<ControlRequest>("ffleet::ControlRequest");
  cfg.add_message_type<ControlReply>("ffleet::ControlReply");
}

}  // namespace ffleet::fuzz

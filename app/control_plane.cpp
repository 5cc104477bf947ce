#include "app/control_plane.hpp"

#include <caf/io/all.hpp>

namespace ffleet {

void configure_control_plane(caf::actor_system_config& cfg) { cfg.load<caf::io::middleman>(); }

std::unique_ptr<ControlPlane> start_control_plane(caf::actor_system&, supervisor_actor, events_actor,
                                                  const ControlOptions&) {
  return std::make_unique<ControlPlane>();
}

}  // namespace ffleet

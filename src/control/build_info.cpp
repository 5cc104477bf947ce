#include "src/control/build_info.hpp"

namespace ffleet {

std::string_view ffleet_version() { return FFLEET_VERSION; }

}  // namespace ffleet

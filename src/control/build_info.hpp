// Which ffleet this is: the project version from CMakeLists.txt, for
// `ffleet_build_info` in /metrics (and anything else that reports it).
#pragma once

#include <string_view>

namespace ffleet {

std::string_view ffleet_version();

}  // namespace ffleet

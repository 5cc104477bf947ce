// "1 job", "2 jobs": counts in messages read as English.
#pragma once

#include <cstddef>
#include <string>

namespace ffleet {

inline std::string count_of(size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

}  // namespace ffleet

#include "config/config_error.hpp"

namespace ffleet {

std::string ConfigError::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + message;
}

}  // namespace ffleet

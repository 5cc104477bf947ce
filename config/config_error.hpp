// One problem found in a job file, positioned so an editor can jump to it.
#pragma once

#include <string>

namespace ffleet {

struct ConfigError {
  std::string file;
  int line = 0;  // 1-based; 0 when the problem is the file as a whole
  int col = 0;   // 1-based
  std::string message;

  // "FILE:LINE:COL: message", the form compilers use and editors parse;
  // "FILE: message" when there is no line (e.g. the file cannot be read).
  std::string to_string() const;
};

}  // namespace ffleet

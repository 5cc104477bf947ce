// Where something was written in a job file, for messages that point the
// operator at the line to fix.
#pragma once

#include <string>

namespace ffleet {

struct SourcePos {
  std::string file;
  int line = 0;  // 1-based; 0 = unknown
  int col = 0;   // 1-based; 0 = unknown
};

}  // namespace ffleet

// Before a fleet starts: every file it will write must open. An events file
// or a log folder that cannot be opened is a start-up error (exit 1), not
// an error logged while the fleet runs on and loses what it should write.
#pragma once

#include <string>
#include <vector>

#include "config/job_spec.hpp"

namespace ffleet {

// Opens (creating if needed) the --events file ("" and "-" need nothing)
// and every job's log_file, and closes them again. One message per file
// that does not open, naming the file and the reason.
std::vector<std::string> check_output_files(const std::string& events_path, const FleetSpec& fleet);

}  // namespace ffleet

// Before a fleet starts: every job's log file must open. A log folder that
// cannot be opened is a start-up error (exit 1), not an error logged while
// the fleet runs on and loses what it should write. (The --events file is
// checked the same way, with the other options, in cmd_run.cpp.)
#pragma once

#include <string>
#include <vector>

#include "config/job_spec.hpp"

namespace ffleet {

// Opens (creating if needed) every job's log_file and closes it again. One
// message per file that does not open, naming the job, the file and the reason.
std::vector<std::string> check_log_files(const FleetSpec& fleet);

}  // namespace ffleet

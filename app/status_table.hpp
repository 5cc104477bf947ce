// `ffleet ctl status` for people: one row per job, columns sized to their
// content, the last log line cut so each row fits the terminal.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace ffleet {

// `jobs`: a status array (or one status object) as `status --json` prints it,
// plus the extra fields uptime_s and restarts. `width`: the terminal's
// columns; 0 = never cut.
std::string format_status_table(const nlohmann::json& jobs, size_t width);

// Short human forms used in the table: "1h02m", "3m05s", "12s"; "512K",
// "12.3M", "1.2G".
std::string human_duration(double seconds);
std::string human_bytes(double bytes);

}  // namespace ffleet

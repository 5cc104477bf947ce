// `ffleet ctl logs` and `ffleet ctl report` for people: the JSON the daemon
// sends (log entries, run reports) as plain text.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace ffleet {

// One line per entry: "<ts>  <text>".
std::string format_log(const nlohmann::json& entries);

// Per run, newest last: how it ended, when, its last progress, resource use,
// warning/error counts, the prelude and the last lines.
std::string format_reports(const nlohmann::json& reports);

}  // namespace ffleet

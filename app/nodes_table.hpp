// `ffleet ctl nodes` for people: one row per node of the cluster.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace ffleet {

// `nodes`: the array `ctl nodes --json` prints.
std::string format_nodes_table(const nlohmann::json& nodes);

}  // namespace ffleet

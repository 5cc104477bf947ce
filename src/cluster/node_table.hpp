// `ctl nodes`: one row per node the cluster knows, live or down.
//
//   ready        its lease is alive and it takes jobs
//   draining     its lease is alive, it is cordoned: its jobs move off, no new ones come
//   unreachable  its lease is alive, but this node's link to it is down
//   down         its lease expired or it left; listed until it rejoins or is forgotten
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "src/cluster/cluster_view.hpp"

namespace ffleet::cluster {

std::string node_state(const ClusterView& view, const std::string& node, const std::set<std::string>& unreachable);

// The array of {"name","address","state","leader","jobs","capacity","labels"}, by name.
nlohmann::json node_rows(const ClusterView& view, const std::set<std::string>& unreachable);

}  // namespace ffleet::cluster

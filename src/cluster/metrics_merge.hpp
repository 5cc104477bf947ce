// The whole-cluster /metrics: every node's own exposition, each sample
// labelled with the node it came from, merged into one valid text.
//
// Why merge instead of asking Prometheus to scrape each node: any node
// answers for the whole cluster (the same view from every node), and a
// scrape of one node must not miss the jobs of another. A node's own series
// keep their names and labels; `node="NAME"` is added first. Prometheus'
// text format wants the samples of one family together, under one HELP and
// TYPE: families are kept in the order first seen, with the samples of every
// node under them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ffleet::cluster {

struct NodeMetrics {
  std::string node;  // the node's name, the value of the added label
  std::string text;  // its exposition (text format 0.0.4)
};

std::string merge_node_metrics(const std::vector<NodeMetrics>& nodes);

// The node families of the whole cluster, from the `ctl nodes --json` rows:
// ffleet_node_up (1 for ready or draining), ffleet_node_jobs,
// ffleet_node_leader and ffleet_node_capacity (nodes with a capacity only).
std::string format_node_table_metrics(const nlohmann::json& nodes);

// A node's own counters, unlabelled (merge_node_metrics labels them).
std::string format_own_node_metrics(uint64_t lease_renewals, uint64_t fencings);

}  // namespace ffleet::cluster

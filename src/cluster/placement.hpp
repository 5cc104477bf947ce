// Where jobs go: the leader's plan, as a pure function of the cluster view.
//
// Rules (docs/cluster.md):
//  - eligible nodes for a job: alive, not draining, the job's `node` if it
//    names one, every one of its `node_labels`, below `--capacity`;
//  - among them, the one with the fewest jobs; ties by name;
//  - stable: a placed job stays where it is unless its node is gone
//    (failover), draining (drain) or no longer fits the job (changed). A
//    node joining or a new leader moves nothing;
//  - a job no node can take is pending, with the reason, never dropped.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "src/cluster/cluster_view.hpp"

namespace ffleet::cluster {

struct Move {
  std::string job;
  Assignment to;  // to.node "" = no node can take it now: the placement is removed
};

struct Plan {
  std::vector<Move> moves;                 // in job id order
  std::vector<std::string> removed;        // placements of jobs no longer in the file
  std::map<std::string, std::string> pending;  // job -> why no node takes it
};

// `place_new`: also place jobs that have no node yet (a new leader waits a
// lease_ttl first, so that the nodes started with it have registered).
Plan plan_placement(const ClusterView& view, bool place_new);

// Whether `node` may run `job` by the job's own constraints (node, labels),
// ignoring capacity and draining.
bool fits(const JobSpec& job, const NodeInfo& node);

// For status: each job that no live node runs, and why no node can take it
// right now ("" if one can).
std::map<std::string, std::string> pending_reasons(const ClusterView& view);

}  // namespace ffleet::cluster

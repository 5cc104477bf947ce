// The node agent: one per cluster node (docs/cluster.md).
//
//  - registers the node in etcd on a lease of --lease-ttl and renews it every
//    quarter of it;
//  - keeps the cluster view up to date from one etcd watch and writes the
//    cluster events it implies to the node's event stream;
//  - runs the jobs placed on this node: it first claims each one in etcd
//    (created only if no node holds it, on this node's lease), then hands it
//    to the supervisor; a job placed elsewhere is stopped and its claim
//    released once its process is gone;
//  - fences: when no renewal has succeeded for 3/4 of the lease, it kills
//    every job at once, before etcd lets the lease expire and before the
//    leader may place them elsewhere;
//  - failsafe: while etcd does not answer but every node reaches the
//    others, the leader vouches for every node in rounds over the control
//    links, and a vouched node runs on; back with etcd, a node whose lease
//    expired registers again and keeps its jobs (docs/cluster.md);
//  - campaigns for the leader key and, as leader, writes the placements
//    (src/cluster/placement.hpp) to etcd;
//  - answers the whole-cluster questions and writes operators' changes
//    (apply, drain, uncordon, forget) to etcd.
//
// It runs detached, on a thread of its own: its etcd calls block (each with
// a short timeout) and must not hold up the workers that run the jobs.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/cluster/cluster_messages.hpp"
#include "src/cluster/fence_guard.hpp"
#include "src/cluster/keys.hpp"
#include "src/etcd/etcd_client.hpp"

namespace ffleet {

struct NodeAgentArgs {
  std::vector<etcd::Endpoint> endpoints;
  std::string prefix = "/ffleet/";
  cluster::NodeInfo info;  // name, address, labels, capacity
  std::chrono::milliseconds lease_ttl{5000};
  std::string file;  // the job file this node was started with; "" = none
  events_actor events;
  // Kills the jobs if this daemon freezes past its fence deadline; null =
  // none (then only a daemon that runs can fence, see docs/cluster.md).
  std::shared_ptr<cluster::FenceGuard> guard;
};

// The agent waits for its supervisor (start_atom), which in turn reports
// released jobs to the agent; the agent quits when the supervisor is done.
node_agent_actor spawn_node_agent(caf::actor_system& sys, NodeAgentArgs args);

}  // namespace ffleet

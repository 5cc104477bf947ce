// The control door of a cluster node: what `ffleet ctl` and the HTTP API
// reach, answering for the whole cluster from any node.
//
//  - status [ID]: the status of every job from the node that runs it (asked
//    over CAF), with "node" and "placement"; jobs no node runs are shown as
//    finished, with the node they are placed on or why they are pending;
//  - start|stop|restart|kill|logs|report ID: sent to the node that runs ID;
//  - node-events AFTER: this node's own events after number AFTER, for the
//    event relay of another node; peer-events NODE AFTER: the same, asked of
//    NODE (actors/cluster/event_relay.hpp);
//  - metrics: every node's exposition with a `node` label, and the node table
//    (src/cluster/metrics_merge.hpp); node-metrics: this node's part of it;
//  - nodes, apply, drain, uncordon, forget, reload, shutdown: the node agent;
//  - local ...: a command for this node's own supervisor only (how nodes ask
//    each other), handled by the single-node control actor (actors/control.hpp).
#pragma once

#include <string>

#include "actors/cluster/cluster_messages.hpp"

namespace ffleet {

struct ClusterControlArgs {
  control_actor local;  // the single-node control actor of this node
  node_agent_actor agent;
  events_actor events;  // this node's; the other nodes fetch its own events from it
  std::string token;  // checked here, and sent along to the other nodes
};

control_actor spawn_cluster_control(caf::actor_system& sys, ClusterControlArgs args);

}  // namespace ffleet

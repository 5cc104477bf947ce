// The event relay of a cluster node: the HTTP event stream of any node
// carries the job events of the whole cluster, while a node's --events file
// keeps only its own.
//
// Every fetch_interval it asks each other live node, through this node's
// cluster door (`peer-events NODE AFTER`, answered by that node's events
// actor), for its own events after the last one it has, and passes them to
// this node's events actor as relayed (to the listeners, not the file). The
// cluster events (node, placed, leader) are never fetched: every node
// derives them from etcd itself. One fetch per node at a time; a node met for
// the first time is read from "now" on; a node whose numbers went back
// (it restarted) is read again from its first event.
//
// Pull, not push: a node that freezes or is cut off costs the others only a
// timed-out request, and a restarted or new node needs no subscription.
#pragma once

#include <chrono>
#include <string>

#include "actors/cluster/cluster_messages.hpp"

namespace ffleet {

struct EventRelayArgs {
  node_agent_actor agent;  // the live nodes (its peer list)
  control_actor door;      // this node's cluster door
  events_actor events;     // this node's
  std::string token;       // for the door
  std::chrono::milliseconds fetch_interval{500};
};

event_relay_actor spawn_event_relay(caf::actor_system& sys, EventRelayArgs args);

}  // namespace ffleet

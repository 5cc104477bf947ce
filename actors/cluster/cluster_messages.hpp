// The messages of a cluster node's actors (see docs/cluster.md):
//
//   watch thread ──etcd events, link up/down (anon_send)──▶ node agent
//   supervisor ──released (a job it let go has ended)──▶ node agent
//   reactor ──SIGHUP/SIGINT/SIGTERM──▶ node agent
//   node agent ──apply (the jobs placed here and claimed)──▶ supervisor
//   cluster control ──snapshot?, apply/drain/uncordon/forget/reload/leave──▶ node agent
//   cluster control ──ControlRequest (status, job commands, logs)──▶ other nodes' cluster control
//   node agent (leader, etcd unreachable) ──failsafe round──▶ cluster control
//       ──failsafe ask|vouch──▶ every node's cluster control ──▶ its node agent
//   node agent (etcd unreachable, not the leader) ──failsafe relay──▶ cluster control
//       ──failsafe renew──▶ the leader's cluster control ──▶ its node agent (renews our lease)
//
// Node-to-node traffic uses the control protocol of actors/messages.hpp
// (ControlRequest/ControlReply), so it crosses the same authenticated,
// size-bounded door as `ffleet ctl`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "src/etcd/etcd_types.hpp"

namespace ffleet {

using renew_atom = caf::atom_constant<caf::atom("renew")>;  // the agent's own timer: renew, fence, lead
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using plan_atom = caf::atom_constant<caf::atom("plan")>;  // the view changed: campaign, lead, reconcile once
using link_atom = caf::atom_constant<caf::atom("link")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using uncordon_atom = caf::atom_constant<caf::atom("uncordon")>;
using forget_atom = caf::atom_constant<caf::atom("forget")>;
using resync_atom = caf::atom_constant<caf::atom("resync")>;
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;  // the event relay's own timer
using door_atom = caf::atom_constant<caf::atom("door")>;          // the control door hands the agent its handle
using failsafe_atom = caf::atom_constant<caf::atom("failsafe")>;  // a leader's round while etcd is unreachable

// A batch of etcd events, in order, from the watch thread.
struct WatchBatch {
  std::vector<etcd::Event> events;
};

// The live nodes and how to reach them: what the event relay asks twice a
// second (a whole snapshot costs O(jobs)).
struct PeerList {
  std::string self;                              // this node's name
  std::map<std::string, std::string> addresses;  // live node -> HOST:PORT
};

// The whole-cluster view a node answers with (any node, the same answer),
// with the peers, so the answer says where to ask each node too.
struct ClusterSnapshot : PeerList {
  std::string leader;                            // "" while there is none
  bool registered = false;                       // this node holds a lease
  nlohmann::json nodes = nlohmann::json::array();  // the `ctl nodes --json` rows
  std::map<std::string, std::string> placement;  // job -> node, "" when it has none
  std::map<std::string, std::string> pending;    // job -> why it has no node
  std::map<std::string, bool> autostart;         // job -> its autostart, for a status of a job not running
  uint64_t lease_renewals = 0;                   // this node's, since it started
  uint64_t fencings = 0;                         // this node's, since it started
};

}  // namespace ffleet

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::WatchBatch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::PeerList)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::ClusterSnapshot)

namespace ffleet {

// One per cluster node: holds the node's lease, keeps the cluster view, runs
// the jobs placed here through the supervisor, and is the leader when elected.
using node_agent_actor = caf::typed_actor<
    caf::reacts_to<start_atom, supervisor_actor>,  // the supervisor to drive; nothing happens before it
    caf::reacts_to<renew_atom>,
    caf::reacts_to<watch_atom, WatchBatch>,
    caf::reacts_to<plan_atom>,  // sent to itself once for all the watch batches queued before it
    caf::reacts_to<link_atom, bool, std::string>,  // watch connected?, why not
    caf::reacts_to<resync_atom>,                   // the watch lost history: read everything again
    caf::reacts_to<released_atom, std::string>,
    caf::reacts_to<signal_atom, int32_t>,
    caf::replies_to<snapshot_atom>::with<ClusterSnapshot>,
    caf::replies_to<peers_atom>::with<PeerList>,
    caf::replies_to<apply_atom, std::string, std::string>::with<ControlReply>,  // file name, YAML text
    caf::replies_to<reload_atom>::with<ControlReply>,                          // this node's FILE again
    caf::replies_to<drain_atom, std::string>::with<ControlReply>,
    caf::replies_to<uncordon_atom, std::string>::with<ControlReply>,
    caf::replies_to<forget_atom, std::string>::with<ControlReply>,
    caf::reacts_to<shutdown_atom, bool>,   // leave the cluster; immediate?
    caf::reacts_to<door_atom, control_actor, std::string>,  // how to reach the other nodes, with the token
    // Failsafe (docs/cluster.md): "ask" = do you reach etcd? (a "no" is a
    // promise); "vouch" = every node said no, keep running (both: leader,
    // round); "renew" = renew this lease for a node cut off from etcd (node, lease).
    caf::replies_to<failsafe_atom, std::string, std::string, int64_t>::with<ControlReply>>;

// Fetches the other nodes' own events over their cluster doors and hands
// them to this node's events actor for its listeners (actors/cluster/event_relay.hpp).
using event_relay_actor = caf::typed_actor<caf::reacts_to<fetch_atom>>;

}  // namespace ffleet

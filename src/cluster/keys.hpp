// The cluster's records in etcd: one place that says which key holds what
// (docs/cluster.md shows the same table). Everything lives under a prefix,
// "/ffleet/" by default, so one etcd can serve several clusters.
//
//   leader              the leader's node name; on the leader's lease
//   nodes/NAME          NodeInfo of a live node; on that node's lease
//   members/NAME        NodeInfo of every node ever seen, and whether it left
//                       cleanly; no lease (a down node stays listed until
//                       `ctl forget`)
//   cordon/NAME         present while the node is drained; no lease, so a
//                       drain outlives a restart of the node
//   fleet               the job file last applied: {"file", "text"}
//   assign/JOB          where the leader placed JOB: {"node","from","reason"};
//                       no lease, so a new leader knows every placement
//   electors            the nodes that may be elected leader (JSON array of
//                       names): written by the leader, see docs/cluster.md
//                       "Coordinator outage"; no lease
//   claims/JOB          the node that runs JOB right now; on that node's lease.
//                       Created only if absent (a compare-and-swap), so two
//                       nodes can never both hold it, and gone with the lease
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

namespace ffleet::cluster {

class Keys {
 public:
  explicit Keys(std::string prefix = "/ffleet/") : prefix_(std::move(prefix)) {}

  const std::string& prefix() const { return prefix_; }
  std::string leader() const { return prefix_ + "leader"; }
  std::string fleet() const { return prefix_ + "fleet"; }
  std::string electors() const { return prefix_ + "electors"; }
  std::string node(const std::string& name) const { return prefix_ + "nodes/" + name; }
  std::string member(const std::string& name) const { return prefix_ + "members/" + name; }
  std::string cordon(const std::string& name) const { return prefix_ + "cordon/" + name; }
  std::string assign(const std::string& job) const { return prefix_ + "assign/" + job; }
  std::string claim(const std::string& job) const { return prefix_ + "claims/" + job; }
  std::string assign_prefix() const { return prefix_ + "assign/"; }

  enum class Kind { leader, fleet, electors, node, member, cordon, assign, claim, unknown };
  struct Parsed {
    Kind kind = Kind::unknown;
    std::string name;  // the node or job name, where the kind has one
  };
  // Which record a key is; unknown for keys outside the layout.
  Parsed parse(const std::string& key) const;

 private:
  std::string prefix_;
};

// What a node says about itself (nodes/NAME and members/NAME).
struct NodeInfo {
  std::string name;
  std::string address;  // HOST:PORT the other nodes dial (--advertise, else --control)
  std::map<std::string, std::string> labels;
  std::optional<uint32_t> capacity;  // most jobs it takes; none = no limit
  bool left = false;                 // members/ only: it left cleanly
  bool leaving = false;              // nodes/ only: it is leaving; its jobs move off as in a drain

  bool operator==(const NodeInfo& o) const {
    return name == o.name && address == o.address && labels == o.labels && capacity == o.capacity &&
           left == o.left && leaving == o.leaving;
  }
};

std::string encode_node(const NodeInfo& info);

// electors: the names, as a JSON array.
std::string encode_electors(const std::set<std::string>& names);
std::set<std::string> decode_electors(const std::string& text);  // empty if unreadable
std::optional<NodeInfo> decode_node(const std::string& text);

// assign/JOB.
struct Assignment {
  std::string node;
  std::string from;    // "" = it was not placed before
  std::string reason;  // new | failover | drain | changed
  bool operator==(const Assignment& o) const { return node == o.node && from == o.from && reason == o.reason; }
};

std::string encode_assignment(const Assignment& a);
std::optional<Assignment> decode_assignment(const std::string& text);

// fleet: the job file's text, and the name it was applied from (for messages).
struct StoredFleet {
  std::string file;
  std::string text;
};

std::string encode_fleet(const StoredFleet& f);
std::optional<StoredFleet> decode_fleet(const std::string& text);

}  // namespace ffleet::cluster

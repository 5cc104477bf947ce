// What a node knows about the cluster: every record under the prefix (see
// keys.hpp), kept up to date from one etcd watch, with the job file parsed.
// Every node keeps one, so each can answer for the whole cluster, and the
// leader plans from its own.
//
// apply() takes the watch's events in order and says what they meant for
// operators: the cluster events (node joined/left/lost/draining/ready, job
// placed, new leader) that each node writes to its event stream.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/job_spec.hpp"
#include "src/cluster/keys.hpp"
#include "src/etcd/etcd_types.hpp"

namespace ffleet::cluster {

class ClusterView {
 public:
  explicit ClusterView(Keys keys = Keys()) : keys_(std::move(keys)) {}

  // Replaces everything with a full read (start-up, or after a lost watch).
  void reset(const std::vector<etcd::KeyValue>& kvs, int64_t revision);
  // One event; returns the cluster events it caused (without "ts", which the
  // events builder adds), e.g. {"event":"node","node":"n2","action":"lost"}.
  std::vector<nlohmann::json> apply(const etcd::Event& event);

  const Keys& keys() const { return keys_; }
  int64_t revision() const { return revision_; }
  const std::string& leader() const { return leader_; }
  const std::map<std::string, NodeInfo>& alive() const { return alive_; }
  const std::map<std::string, NodeInfo>& members() const { return members_; }
  const std::set<std::string>& cordoned() const { return cordoned_; }
  const std::set<std::string>& electors() const { return electors_; }
  const std::map<std::string, Assignment>& assignments() const { return assignments_; }
  const std::map<std::string, std::string>& claims() const { return claims_; }
  bool has_fleet() const { return has_fleet_; }
  const StoredFleet& stored_fleet() const { return stored_; }
  // The jobs of the stored file by id (empty when none or unparsable).
  const std::map<std::string, JobSpec>& jobs() const { return jobs_; }
  // Why the stored file did not load, if it did not (it was valid when
  // applied; this only happens across versions).
  const std::vector<std::string>& fleet_errors() const { return fleet_errors_; }

  bool is_alive(const std::string& node) const { return alive_.count(node) > 0; }
  // Cordoned by `ctl drain`, or leaving on its own: its jobs move off.
  bool is_draining(const std::string& node) const;
  // The node a job is placed on, "" when none.
  std::string node_of(const std::string& job) const;
  // The jobs placed on `node` (in the current file).
  std::vector<std::string> jobs_of(const std::string& node) const;
  // Whether `node` may be elected leader: it is an elector, or no elector
  // can still be running jobs (none listed, or each one left cleanly or was
  // forgotten). See docs/cluster.md, "Coordinator outage".
  bool may_lead(const std::string& node) const;
  // The electors the leader should write: every member that has not left
  // (down ones too, until forgotten), and every live node.
  std::set<std::string> wanted_electors() const;

 private:
  std::vector<nlohmann::json> put(const etcd::KeyValue& kv);
  std::vector<nlohmann::json> erase(const std::string& key);
  void load_fleet(const std::string& value);

  Keys keys_;
  int64_t revision_ = 0;
  std::string leader_;
  std::map<std::string, NodeInfo> alive_, members_;
  std::set<std::string> cordoned_, electors_;
  std::map<std::string, Assignment> assignments_;
  std::map<std::string, std::string> claims_;
  bool has_fleet_ = false;
  StoredFleet stored_;
  std::map<std::string, JobSpec> jobs_;
  std::vector<std::string> fleet_errors_;
};

// The cluster events' JSON (without ts).
nlohmann::json node_event(const std::string& node, const std::string& action);
nlohmann::json placed_event(const std::string& job, const std::string& node, const std::string& from,
                            const std::string& reason);
nlohmann::json leader_event(const std::string& node);

}  // namespace ffleet::cluster

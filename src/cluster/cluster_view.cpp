#include "src/cluster/cluster_view.hpp"

#include <algorithm>

#include "config/loader.hpp"

namespace ffleet::cluster {

using nlohmann::json;

json node_event(const std::string& node, const std::string& action) {
  return json{{"event", "node"}, {"node", node}, {"action", action}};
}

json placed_event(const std::string& job, const std::string& node, const std::string& from,
                  const std::string& reason) {
  return json{{"event", "placed"}, {"job", job}, {"node", node},
              {"from", from.empty() ? json(nullptr) : json(from)}, {"reason", reason}};
}

json leader_event(const std::string& node) { return json{{"event", "leader"}, {"node", node}}; }

void ClusterView::reset(const std::vector<etcd::KeyValue>& kvs, int64_t revision) {
  *this = ClusterView(keys_);
  for (auto& kv : kvs) put(kv);
  revision_ = revision;
}

std::vector<json> ClusterView::apply(const etcd::Event& event) {
  revision_ = std::max(revision_, event.kv.mod_revision);
  return event.type == etcd::Event::Type::put ? put(event.kv) : erase(event.kv.key);
}

void ClusterView::load_fleet(const std::string& value) {
  jobs_.clear();
  fleet_errors_.clear();
  auto stored = decode_fleet(value);
  has_fleet_ = stored.has_value();
  if (!stored) {
    fleet_errors_.push_back("the stored job file is not readable");
    return;
  }
  stored_ = *stored;
  auto loaded = load_job_text(stored_.text, stored_.file);
  for (auto& e : loaded.errors) fleet_errors_.push_back(e.to_string());
  if (loaded.ok())
    for (auto& spec : loaded.fleet->jobs) jobs_.emplace(spec.id, spec);
}

std::vector<json> ClusterView::put(const etcd::KeyValue& kv) {
  std::vector<json> events;
  auto key = keys_.parse(kv.key);
  switch (key.kind) {
    case Keys::Kind::leader:
      if (leader_ != kv.value) events.push_back(leader_event(kv.value));
      leader_ = kv.value;
      break;
    case Keys::Kind::fleet:
      load_fleet(kv.value);
      break;
    case Keys::Kind::electors:
      electors_ = decode_electors(kv.value);
      break;
    case Keys::Kind::node:
      if (auto info = decode_node(kv.value)) {
        if (!is_alive(key.name)) events.push_back(node_event(key.name, "joined"));
        alive_[key.name] = *info;
      }
      break;
    case Keys::Kind::member:
      if (auto info = decode_node(kv.value)) members_[key.name] = *info;
      break;
    case Keys::Kind::cordon:
      if (cordoned_.insert(key.name).second) events.push_back(node_event(key.name, "draining"));
      break;
    case Keys::Kind::assign:
      if (auto a = decode_assignment(kv.value)) {
        auto old = assignments_.find(key.name);
        if (old == assignments_.end() || !(old->second == *a))
          events.push_back(placed_event(key.name, a->node, a->from, a->reason));
        assignments_[key.name] = *a;
      }
      break;
    case Keys::Kind::claim:
      claims_[key.name] = kv.value;
      break;
    case Keys::Kind::unknown:
      break;
  }
  return events;
}

std::vector<json> ClusterView::erase(const std::string& full_key) {
  std::vector<json> events;
  auto key = keys_.parse(full_key);
  switch (key.kind) {
    case Keys::Kind::leader:
      leader_.clear();
      break;
    case Keys::Kind::fleet:
      has_fleet_ = false;
      jobs_.clear();
      break;
    case Keys::Kind::electors:
      electors_.clear();
      break;
    case Keys::Kind::node:
      if (alive_.erase(key.name) > 0) {
        // A clean leave marks the member record before the lease goes.
        auto m = members_.find(key.name);
        events.push_back(node_event(key.name, m != members_.end() && m->second.left ? "left" : "lost"));
      }
      break;
    case Keys::Kind::member:
      members_.erase(key.name);
      break;
    case Keys::Kind::cordon:
      if (cordoned_.erase(key.name) > 0) events.push_back(node_event(key.name, "ready"));
      break;
    case Keys::Kind::assign:
      assignments_.erase(key.name);
      break;
    case Keys::Kind::claim:
      claims_.erase(key.name);
      break;
    case Keys::Kind::unknown:
      break;
  }
  return events;
}

bool ClusterView::is_draining(const std::string& node) const {
  if (cordoned_.count(node)) return true;
  auto i = alive_.find(node);
  return i != alive_.end() && i->second.leaving;
}

std::string ClusterView::node_of(const std::string& job) const {
  auto a = assignments_.find(job);
  return a == assignments_.end() ? "" : a->second.node;
}

std::vector<std::string> ClusterView::jobs_of(const std::string& node) const {
  std::vector<std::string> out;
  for (auto& [job, a] : assignments_)
    if (a.node == node && jobs_.count(job)) out.push_back(job);
  return out;
}

bool ClusterView::may_lead(const std::string& node) const {
  if (electors_.empty() || electors_.count(node)) return true;
  for (auto& name : electors_) {
    auto m = members_.find(name);
    if (m != members_.end() && !m->second.left) return false;  // may be running on failsafe
  }
  return true;
}

std::set<std::string> ClusterView::wanted_electors() const {
  std::set<std::string> names;
  for (auto& [name, info] : members_)
    if (!info.left) names.insert(name);
  for (auto& [name, info] : alive_) names.insert(name);
  return names;
}

}  // namespace ffleet::cluster

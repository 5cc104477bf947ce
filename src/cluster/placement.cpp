#include "src/cluster/placement.hpp"

namespace ffleet::cluster {

bool fits(const JobSpec& job, const NodeInfo& node) {
  if (!job.node.empty() && job.node != node.name) return false;
  for (auto& [label, value] : job.node_labels) {
    auto i = node.labels.find(label);
    if (i == node.labels.end() || i->second != value) return false;
  }
  return true;
}

namespace {

using Counts = std::map<std::string, uint32_t>;

bool has_room(const NodeInfo& node, const Counts& counts) {
  auto i = counts.find(node.name);
  uint32_t n = i == counts.end() ? 0 : i->second;
  return !node.capacity || n < *node.capacity;
}

// The eligible node with the fewest jobs, ties by name; "" if none.
std::string choose(const ClusterView& view, const JobSpec& job, const Counts& counts) {
  std::string best;
  uint32_t best_count = 0;
  for (auto& [name, node] : view.alive()) {  // sorted by name: the first of equals wins
    if (view.is_draining(name) || !fits(job, node) || !has_room(node, counts)) continue;
    auto i = counts.find(name);
    uint32_t n = i == counts.end() ? 0 : i->second;
    if (best.empty() || n < best_count) {
      best = name;
      best_count = n;
    }
  }
  return best;
}

std::string label_list(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (auto& [k, v] : labels) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

// Why no node takes `job`, given the jobs each node has (`counts`).
std::string why_pending(const ClusterView& view, const JobSpec& job, const Counts& counts) {
  if (view.alive().empty()) return "no node is up";
  bool named_seen = false, fitting = false, ready = false;
  for (auto& [name, node] : view.alive()) {
    if (!job.node.empty() && job.node == name) named_seen = true;
    if (!fits(job, node)) continue;
    fitting = true;
    if (!view.is_draining(name)) ready = true;
  }
  if (!job.node.empty() && !named_seen) return "node " + job.node + " is not up";
  if (!fitting) {
    if (job.node.empty()) return "no node has label " + label_list(job.node_labels);
    return "node " + job.node + " lacks label " + label_list(job.node_labels);
  }
  if (!ready) return "every node it may run on is draining";
  if (choose(view, job, counts).empty()) return "every node it may run on is at capacity";
  return "";
}

}  // namespace

std::map<std::string, std::string> pending_reasons(const ClusterView& view) {
  Counts counts;  // counted once: status asks for every unplaced job at once
  for (auto& [j, a] : view.assignments())
    if (view.jobs().count(j)) ++counts[a.node];
  std::map<std::string, std::string> reasons;
  for (auto& [id, job] : view.jobs()) {
    auto a = view.assignments().find(id);
    if (a != view.assignments().end() && view.is_alive(a->second.node)) continue;
    reasons[id] = why_pending(view, job, counts);
  }
  return reasons;
}

Plan plan_placement(const ClusterView& view, bool place_new) {
  Plan plan;
  Counts counts;
  for (auto& [job, a] : view.assignments()) {
    if (!view.jobs().count(job)) plan.removed.push_back(job);
    else if (view.is_alive(a.node)) ++counts[a.node];
  }
  auto place = [&](const JobSpec& job, const std::string& from, const std::string& reason) {
    std::string to = choose(view, job, counts);
    if (to.empty()) {
      plan.pending[job.id] = why_pending(view, job, counts);
      if (plan.pending[job.id].empty()) plan.pending[job.id] = "no node can take it";
      if (!from.empty() || view.assignments().count(job.id)) plan.moves.push_back(Move{job.id, Assignment{"", from, reason}});
      return;
    }
    ++counts[to];
    plan.moves.push_back(Move{job.id, Assignment{to, from, reason}});
  };
  for (auto& [id, job] : view.jobs()) {
    auto a = view.assignments().find(id);
    if (a == view.assignments().end()) {
      if (place_new) place(job, "", "new");
      else plan.pending[id] = "waiting for the nodes to register";
      continue;
    }
    const std::string& node = a->second.node;
    if (!view.is_alive(node)) {
      place(job, node, "failover");
    } else if (view.is_draining(node)) {
      --counts[node];
      place(job, node, "drain");
    } else if (!fits(job, view.alive().at(node))) {
      --counts[node];
      place(job, node, "changed");
    }
  }
  return plan;
}

}  // namespace ffleet::cluster

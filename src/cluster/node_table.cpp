#include "src/cluster/node_table.hpp"

namespace ffleet::cluster {

using nlohmann::json;

std::string node_state(const ClusterView& view, const std::string& node, const std::set<std::string>& unreachable) {
  if (!view.is_alive(node)) return "down";
  if (unreachable.count(node)) return "unreachable";
  return view.is_draining(node) ? "draining" : "ready";
}

json node_rows(const ClusterView& view, const std::set<std::string>& unreachable) {
  std::map<std::string, NodeInfo> all = view.members();
  for (auto& [name, info] : view.alive()) all[name] = info;  // the live record is the newest
  json rows = json::array();
  for (auto& [name, info] : all) {
    rows.push_back(json{{"name", name},
                        {"address", info.address},
                        {"state", node_state(view, name, unreachable)},
                        {"leader", view.leader() == name},
                        {"jobs", view.jobs_of(name).size()},
                        {"capacity", info.capacity ? json(*info.capacity) : json(nullptr)},
                        {"labels", info.labels}});
  }
  return rows;
}

}  // namespace ffleet::cluster

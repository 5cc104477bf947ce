#include "src/cluster/metrics_merge.hpp"

#include <map>
#include <sstream>

#include <fmt/format.h>

#include "src/control/metrics_format.hpp"

namespace ffleet::cluster {

namespace {

struct Family {
  std::string help, type;     // the header lines, as first seen
  std::vector<std::string> samples;
};

// The name a sample line starts with.
std::string sample_name(const std::string& line) {
  size_t end = line.find_first_of("{ ");
  return line.substr(0, end);
}

// `name{a="b"} 1` -> `name{node="n1",a="b"} 1`; `name 1` -> `name{node="n1"} 1`.
std::string with_node_label(const std::string& line, const std::string& label) {
  size_t brace = line.find('{');
  size_t space = line.find(' ');
  if (brace != std::string::npos && (space == std::string::npos || brace < space)) {
    bool empty = brace + 1 < line.size() && line[brace + 1] == '}';
    return line.substr(0, brace + 1) + label + (empty ? "" : ",") + line.substr(brace + 1);
  }
  if (space == std::string::npos) return line;  // not a sample; kept as it is
  return line.substr(0, space) + "{" + label + "}" + line.substr(space);
}

// The family a sample belongs to: its own name, or, for the parts of a
// histogram or summary, the declared name without the suffix.
std::string family_of(const std::string& name, const std::map<std::string, Family>& families) {
  if (families.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      if (families.count(base)) return base;
    }
  }
  return name;
}

}  // namespace

std::string merge_node_metrics(const std::vector<NodeMetrics>& nodes) {
  std::map<std::string, Family> families;
  std::vector<std::string> order;
  auto family = [&](const std::string& name) -> Family& {
    auto [it, fresh] = families.try_emplace(name);
    if (fresh) order.push_back(name);
    return it->second;
  };
  for (const auto& n : nodes) {
    std::string label = "node=\"" + escape_label_value(n.node) + "\"";
    std::istringstream in(n.text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
        std::string rest = line.substr(7);
        Family& f = family(rest.substr(0, rest.find(' ')));
        std::string& header = line[2] == 'H' ? f.help : f.type;
        if (header.empty()) header = line;
        continue;
      }
      if (line[0] == '#') continue;  // other comments
      family(family_of(sample_name(line), families)).samples.push_back(with_node_label(line, label));
    }
  }
  std::string out;
  for (const auto& name : order) {
    const Family& f = families.at(name);
    if (!f.help.empty()) out += f.help + "\n";
    if (!f.type.empty()) out += f.type + "\n";
    for (const auto& s : f.samples) out += s + "\n";
  }
  return out;
}

std::string format_node_table_metrics(const nlohmann::json& nodes) {
  std::string up, jobs, leader, capacity;
  for (const auto& row : nodes) {
    std::string label = "{node=\"" + escape_label_value(row.value("name", "")) + "\"}";
    std::string state = row.value("state", "");
    up += fmt::format("ffleet_node_up{} {}\n", label, state == "ready" || state == "draining" ? 1 : 0);
    jobs += fmt::format("ffleet_node_jobs{} {}\n", label, row.value("jobs", 0));
    leader += fmt::format("ffleet_node_leader{} {}\n", label, row.value("leader", false) ? 1 : 0);
    if (row.contains("capacity") && row["capacity"].is_number())
      capacity += fmt::format("ffleet_node_capacity{} {}\n", label, row["capacity"].get<int64_t>());
  }
  std::string out;
  out += "# HELP ffleet_node_up Whether the node holds its lease and the others reach it (1) or not (0).\n"
         "# TYPE ffleet_node_up gauge\n" + up;
  out += "# HELP ffleet_node_jobs Jobs placed on the node.\n# TYPE ffleet_node_jobs gauge\n" + jobs;
  out += "# HELP ffleet_node_leader Whether the node is the cluster's leader.\n# TYPE ffleet_node_leader gauge\n" +
         leader;
  if (!capacity.empty())
    out += "# HELP ffleet_node_capacity The most jobs the node takes (--capacity).\n"
           "# TYPE ffleet_node_capacity gauge\n" + capacity;
  return out;
}

std::string format_own_node_metrics(uint64_t lease_renewals, uint64_t fencings) {
  return fmt::format(
      "# HELP ffleet_node_lease_renewals_total Successful renewals of the node's etcd lease.\n"
      "# TYPE ffleet_node_lease_renewals_total counter\n"
      "ffleet_node_lease_renewals_total {}\n"
      "# HELP ffleet_node_fencings_total Times the node killed all its jobs because it could not prove it holds them.\n"
      "# TYPE ffleet_node_fencings_total counter\n"
      "ffleet_node_fencings_total {}\n",
      lease_renewals, fencings);
}

}  // namespace ffleet::cluster

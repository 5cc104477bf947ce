#include "app/nodes_table.hpp"

#include <algorithm>
#include <vector>

namespace ffleet {

std::string format_nodes_table(const nlohmann::json& nodes) {
  std::vector<std::vector<std::string>> rows = {{"NAME", "STATE", "LEADER", "JOBS", "CAPACITY", "ADDRESS", "LABELS"}};
  for (auto& n : nodes) {
    std::string labels;
    const nlohmann::json label_map = n.value("labels", nlohmann::json::object());  // items() must not outlive it
    for (auto& [k, v] : label_map.items())
      labels += (labels.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    auto capacity = n.value("capacity", nlohmann::json());
    rows.push_back({n.value("name", ""), n.value("state", ""), n.value("leader", false) ? "*" : "",
                    std::to_string(n.value("jobs", 0)), capacity.is_number() ? capacity.dump() : "-",
                    n.value("address", ""), labels.empty() ? "-" : labels});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) widths[c] = std::max(widths[c], r[c].size());
  std::string out;
  for (auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) line += r[c] + std::string(widths[c] - r[c].size() + 2, ' ');
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace ffleet

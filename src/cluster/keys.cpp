#include "src/cluster/keys.hpp"

#include <nlohmann/json.hpp>

namespace ffleet::cluster {

using nlohmann::json;

Keys::Parsed Keys::parse(const std::string& key) const {
  if (key.compare(0, prefix_.size(), prefix_) != 0) return {};
  std::string rest = key.substr(prefix_.size());
  if (rest == "leader") return {Kind::leader, ""};
  if (rest == "fleet") return {Kind::fleet, ""};
  if (rest == "electors") return {Kind::electors, ""};
  static const std::pair<const char*, Kind> folders[] = {{"nodes/", Kind::node},    {"members/", Kind::member},
                                                         {"cordon/", Kind::cordon}, {"assign/", Kind::assign},
                                                         {"claims/", Kind::claim}};
  for (auto& [folder, kind] : folders) {
    std::string f = folder;
    if (rest.size() > f.size() && rest.compare(0, f.size(), f) == 0) return {kind, rest.substr(f.size())};
  }
  return {};
}

std::string encode_node(const NodeInfo& info) {
  json j{{"name", info.name}, {"address", info.address}, {"labels", info.labels}, {"left", info.left}, {"leaving", info.leaving}};
  j["capacity"] = info.capacity ? json(*info.capacity) : json(nullptr);
  return j.dump();
}

std::optional<NodeInfo> decode_node(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    NodeInfo info;
    info.name = j.at("name").get<std::string>();
    info.address = j.value("address", std::string());
    info.labels = j.value("labels", std::map<std::string, std::string>());
    if (j.contains("capacity") && j["capacity"].is_number_unsigned()) info.capacity = j["capacity"].get<uint32_t>();
    info.left = j.value("left", false);
    info.leaving = j.value("leaving", false);
    return info;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::string encode_electors(const std::set<std::string>& names) { return json(names).dump(); }

std::set<std::string> decode_electors(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  std::set<std::string> names;
  if (j.is_array())
    for (auto& n : j)
      if (n.is_string()) names.insert(n.get<std::string>());
  return names;
}

std::string encode_assignment(const Assignment& a) {
  return json{{"node", a.node}, {"from", a.from}, {"reason", a.reason}}.dump();
}

std::optional<Assignment> decode_assignment(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("node") || !j["node"].is_string()) return std::nullopt;
  return Assignment{j["node"].get<std::string>(), j.value("from", std::string()), j.value("reason", std::string())};
}

std::string encode_fleet(const StoredFleet& f) { return json{{"file", f.file}, {"text", f.text}}.dump(); }

std::optional<StoredFleet> decode_fleet(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) return std::nullopt;
  return StoredFleet{j.value("file", std::string()), j["text"].get<std::string>()};
}

}  // namespace ffleet::cluster

// Typed reading of YAML values, each failure reported to Diagnostics in the
// user's terms ("reconnect" must be true or false, got "yes please") at the
// offending node. A reader that fails returns nullopt and the loader goes
// on, so one pass finds every mistake.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/diagnostics.hpp"
#include "config/values.hpp"

namespace ffleet {

// One `key: value` of a YAML map.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;

  // Where a problem with the value is shown: the value, or the key when the
  // value is empty (yaml-cpp places an empty value at the next token, which
  // may be lines further down).
  YAML::Mark at() const;
};

// A node as a message shows it: "text" (cut when long), a list, a map, nothing.
std::string describe(const YAML::Node& node);

// Visits the entries of `map` in file order. Reports, and does not visit,
// keys that are not plain names, keys given twice, and - when `known` is not
// empty - keys not in `known`, with a suggestion:
//   unknown key "stale_timout" in job "cam-1" (did you mean "stale_timeout"?)
// `where` places the map in such messages ("in job \"cam-1\"", "in defaults").
void for_each_entry(const YAML::Node& map, const std::vector<std::string_view>& known,
                    const std::string& where, Diagnostics& diag,
                    const std::function<void(const Entry&)>& visit);

// Any scalar, as written.
std::optional<std::string> read_string(const Entry& e, Diagnostics& diag);
// true/false (and YAML's yes/no, on/off).
std::optional<bool> read_bool(const Entry& e, Diagnostics& diag);
// A whole number in [min, max].
std::optional<uint64_t> read_count(const Entry& e, uint64_t min, uint64_t max, Diagnostics& diag);
// A finite number >= 0; callers check narrower ranges.
std::optional<double> read_number(const Entry& e, Diagnostics& diag);
std::optional<Duration> read_duration(const Entry& e, Diagnostics& diag);
std::optional<uint64_t> read_size(const Entry& e, Diagnostics& diag);
// A list of scalars; an empty value is an empty list (all items commented out).
std::optional<std::vector<std::string>> read_string_list(const Entry& e, Diagnostics& diag);

// "name" quoted, the way every message names a key or value.
std::string quote(std::string_view text);

}  // namespace ffleet

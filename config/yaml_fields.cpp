#include "config/yaml_fields.hpp"

#include <charconv>
#include <cmath>
#include <map>

#include "config/did_you_mean.hpp"
#include "src/util/printable.hpp"

namespace ffleet {

namespace {

// Long values are cut in messages: the position shows the rest.
constexpr size_t max_shown_length = 40;
// Names (keys, ids) are cut later: a valid id (64 characters) is shown whole.
constexpr size_t max_quoted_length = 80;

// A NUL cannot reach a process: exec would silently cut the string there.
bool has_nul(const std::string& text) { return text.find('\0') != std::string::npos; }

void nul_error(const YAML::Mark& at, const std::string& what, Diagnostics& diag) {
  diag.error(at, what + " contains a NUL byte (\\0), which no program argument, path or environment "
                        "value can hold");
}

void type_error(const Entry& e, std::string_view expected, Diagnostics& diag) {
  diag.error(e.at(), quote(e.key) + " must be " + std::string(expected) + ", got " + describe(e.value));
}

}  // namespace

std::string quote(std::string_view text) {
  return "\"" + shorten_for_message(text, max_quoted_length) + "\"";
}

YAML::Mark Entry::at() const {
  if (!value.IsDefined() || value.IsNull() || value.Mark().is_null()) return key_node.Mark();
  return value.Mark();
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  const std::string& text = node.Scalar();
  return "\"" + shorten_for_message(text, max_shown_length) + "\"";
}

void for_each_entry(const YAML::Node& map, const std::vector<std::string_view>& known,
                    const std::string& where, Diagnostics& diag,
                    const std::function<void(const Entry&)>& visit) {
  std::map<std::string, YAML::Mark> seen;
  for (const auto& pair : map) {
    const YAML::Node& key_node = pair.first;
    if (!key_node.IsScalar()) {
      diag.error(key_node.Mark().is_null() ? pair.second.Mark() : key_node.Mark(),
                 "keys must be plain names " + where + ", got " + describe(key_node));
      continue;
    }
    Entry e{key_node.Scalar(), key_node, pair.second};
    if (!known.empty()) {
      bool is_known = false;
      for (std::string_view k : known) is_known = is_known || k == e.key;
      if (!is_known) {
        std::string message = "unknown key " + quote(e.key) + " " + where;
        if (auto suggestion = closest_match(e.key, known))
          message += " (did you mean " + quote(*suggestion) + "?)";
        diag.error(key_node.Mark(), message);
        continue;
      }
    }
    auto [first, inserted] = seen.emplace(e.key, key_node.Mark());
    if (!inserted) {
      diag.error(key_node.Mark(), "duplicate key " + quote(e.key) + " " + where + " (first on line " +
                                      std::to_string(first->second.line + 1) + ")");
      continue;
    }
    visit(e);
  }
}

std::optional<std::string> read_string(const Entry& e, Diagnostics& diag) {
  if (!e.value.IsScalar()) {
    type_error(e, "a string", diag);
    return std::nullopt;
  }
  if (has_nul(e.value.Scalar())) {
    nul_error(e.at(), quote(e.key), diag);
    return std::nullopt;
  }
  return e.value.Scalar();
}

std::optional<bool> read_bool(const Entry& e, Diagnostics& diag) {
  bool value = false;
  if (!e.value.IsScalar() || !YAML::convert<bool>::decode(e.value, value)) {
    type_error(e, "true or false", diag);
    return std::nullopt;
  }
  return value;
}

std::optional<uint64_t> read_count(const Entry& e, uint64_t min, uint64_t max, Diagnostics& diag) {
  if (!e.value.IsScalar()) {
    type_error(e, "a whole number", diag);
    return std::nullopt;
  }
  const std::string& text = e.value.Scalar();
  std::string_view digits = text;
  bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  bool all_digits = !digits.empty() && end == digits.data() + digits.size();
  if (!all_digits || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    type_error(e, "a whole number", diag);
    return std::nullopt;
  }
  if (negative && value != 0) {
    diag.error(e.at(), quote(e.key) + " must not be negative, got " + describe(e.value));
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    std::string range = min == 0 ? "at most " + std::to_string(max)
                                 : "between " + std::to_string(min) + " and " + std::to_string(max);
    diag.error(e.at(), quote(e.key) + " must be " + range + ", got " + describe(e.value));
    return std::nullopt;
  }
  return value;
}

std::optional<double> read_number(const Entry& e, Diagnostics& diag) {
  if (!e.value.IsScalar()) {
    type_error(e, "a number", diag);
    return std::nullopt;
  }
  const std::string& text = e.value.Scalar();
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    type_error(e, "a number", diag);
    return std::nullopt;
  }
  if (value < 0) {
    diag.error(e.at(), quote(e.key) + " must not be negative, got " + describe(e.value));
    return std::nullopt;
  }
  return value;
}

std::optional<Duration> read_duration(const Entry& e, Diagnostics& diag) {
  if (!e.value.IsScalar()) {
    type_error(e, "a duration such as 5s", diag);
    return std::nullopt;
  }
  Parsed<Duration> parsed = parse_duration(e.value.Scalar());
  if (!parsed.ok()) diag.error(e.at(), quote(e.key) + ": " + parsed.error);
  return parsed.value;
}

std::optional<uint64_t> read_size(const Entry& e, Diagnostics& diag) {
  if (!e.value.IsScalar()) {
    type_error(e, "a size such as 512MiB", diag);
    return std::nullopt;
  }
  Parsed<uint64_t> parsed = parse_size(e.value.Scalar());
  if (!parsed.ok()) diag.error(e.at(), quote(e.key) + ": " + parsed.error);
  return parsed.value;
}

std::optional<std::vector<std::string>> read_string_list(const Entry& e, Diagnostics& diag) {
  if (e.value.IsNull()) return std::vector<std::string>{};
  if (!e.value.IsSequence()) {
    type_error(e, "a list of strings", diag);
    return std::nullopt;
  }
  std::vector<std::string> items;
  bool ok = true;
  size_t number = 0;
  for (const YAML::Node& item : e.value) {
    ++number;
    if (!item.IsScalar()) {
      // YAML reads a bare null or ~ as "no value"; ffmpeg's `-f null` needs quotes.
      std::string got = item.IsNull() ? "null (quote it to pass the word: \"null\")" : describe(item);
      diag.error(item.Mark().is_null() ? e.at() : item.Mark(),
                 "items of " + quote(e.key) + " must be strings, got " + got);
      ok = false;
      continue;
    }
    if (has_nul(item.Scalar())) {
      nul_error(item.Mark().is_null() ? e.at() : item.Mark(),
                "item " + std::to_string(number) + " of " + quote(e.key), diag);
      ok = false;
      continue;
    }
    items.push_back(item.Scalar());
  }
  if (!ok) return std::nullopt;
  return items;
}

}  // namespace ffleet

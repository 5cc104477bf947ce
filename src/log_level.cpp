#include "src/log_level.hpp"

namespace ffleet {

namespace {

constexpr std::array<std::string_view, log_level_count> level_names = {
    "none", "quiet", "panic", "fatal", "error", "warning", "info", "verbose", "debug", "trace"};

// If `s` starts with "[...] ", the text between the brackets; else empty.
std::string_view bracket(std::string_view s) {
  if (s.size() < 4 || s[0] != '[') return {};
  size_t close = s.find(']', 1);
  if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ' ') return {};
  return s.substr(1, close - 1);
}

}  // namespace

std::string_view to_string(LogLevel level) { return level_names[static_cast<size_t>(level)]; }

LevelSplit split_level_prefix(std::string_view line) {
  LevelSplit out{LogLevel::none, line};
  std::string_view rest = line;
  // "[name @ 0x...] " contexts: the object's parent, then the object itself.
  for (int i = 0; i < 2; ++i) {
    std::string_view inside = bracket(rest);
    if (inside.empty() || inside.find(" @ ") == std::string_view::npos) break;
    rest.remove_prefix(inside.size() + 3);
  }
  std::string_view inside = bracket(rest);
  // Level names are 4 to 7 lowercase letters; "none" is never printed.
  if (inside.size() >= 4 && inside.size() <= 7 && inside[0] >= 'a' && inside[0] <= 'z') {
    for (size_t i = 1; i < log_level_count; ++i) {
      if (inside == level_names[i]) {
        out.level = static_cast<LogLevel>(i);
        rest.remove_prefix(inside.size() + 3);
        break;
      }
    }
  }
  // The contexts are part of the message when there is no level: without
  // `level`, ffmpeg prints "[h264 @ 0x...] text" and that is the whole text.
  if (out.level != LogLevel::none) out.text = rest;
  return out;
}

uint64_t LevelCounts::total() const {
  uint64_t sum = 0;
  for (uint64_t n : lines) sum += n;
  return sum;
}

void to_json(nlohmann::json& j, const LevelCounts& counts) {
  j = nlohmann::json::object();
  for (size_t i = 0; i < log_level_count; ++i) j[std::string(level_names[i])] = counts.lines[i];
}

}  // namespace ffleet

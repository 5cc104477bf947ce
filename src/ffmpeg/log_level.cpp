#include "src/ffmpeg/log_level.hpp"

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

// The level a bracket names, or none. One compare per candidate name.
LogLevel level_named(std::string_view name) {
  if (name.size() < 4) return LogLevel::none;
  LogLevel l;
  switch (name[0]) {
    case 'q': l = LogLevel::quiet; break;
    case 'p': l = LogLevel::panic; break;
    case 'f': l = LogLevel::fatal; break;
    case 'e': l = LogLevel::error; break;
    case 'w': l = LogLevel::warning; break;
    case 'i': l = LogLevel::info; break;
    case 'v': l = LogLevel::verbose; break;
    case 'd': l = LogLevel::debug; break;
    case 't': l = LogLevel::trace; break;
    default: return LogLevel::none;
  }
  return name == level_names[static_cast<size_t>(l)] ? l : LogLevel::none;
}

}  // namespace

std::string_view to_string(LogLevel level) { return level_names[static_cast<size_t>(level)]; }

LevelSplit split_level_prefix(std::string_view line) {
  // Most lines have no prefix, or start right with the level: both are quick.
  std::string_view rest = line;
  for (int contexts = 0; contexts <= 2; ++contexts) {
    std::string_view inside = bracket(rest);
    if (inside.empty()) break;
    LogLevel level = level_named(inside);
    if (level != LogLevel::none) return LevelSplit{level, rest.substr(inside.size() + 3)};
    // "[name @ 0x...] ": a context, at most two of them before the level.
    if (contexts == 2 || inside.find(" @ ") == std::string_view::npos) break;
    rest.remove_prefix(inside.size() + 3);
  }
  // Without a level the contexts are part of the message: without `level`,
  // ffmpeg prints "[h264 @ 0x...] text" and that is the whole text.
  return LevelSplit{LogLevel::none, line};
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

// ffmpeg's log levels, as `-loglevel level+info` prints them in front of
// each line:
//
//   [info] Stream mapping:
//   [h264 @ 0x55d0c6a2c840] [warning] non-existing PPS 0 referenced
//   [tls @ 0x5581] [https @ 0x5582] [error] Connection refused
//
// (up to two "[name @ address] " contexts, then "[level] "). Lines without
// a level prefix (ffmpeg run without `level`, or not ffmpeg at all) count
// as `none`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ffleet {

enum class LogLevel : uint8_t { none, quiet, panic, fatal, error, warning, info, verbose, debug, trace };

inline constexpr size_t log_level_count = 10;

std::string_view to_string(LogLevel level);

// A line taken apart: its level (none without a prefix) and the message
// after the context and level prefixes.
struct LevelSplit {
  LogLevel level = LogLevel::none;
  std::string_view text;
};

// Never fails: a line that does not look like the prefixes above is all text.
LevelSplit split_level_prefix(std::string_view line);

// Lines seen per level.
struct LevelCounts {
  std::array<uint64_t, log_level_count> lines{};

  void add(LogLevel level) { ++lines[static_cast<size_t>(level)]; }
  uint64_t operator[](LogLevel level) const { return lines[static_cast<size_t>(level)]; }
  uint64_t total() const;
};

// {"none": n, "quiet": n, ..., "trace": n}: every level, zeros included, so
// the shape never changes.
void to_json(nlohmann::json& j, const LevelCounts& counts);

}  // namespace ffleet

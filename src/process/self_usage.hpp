// The daemon's own resource use, for the standard process_* metrics that
// every Prometheus client library exports (the names and meanings of the
// Go and Python clients): an operator sizes file descriptors at three per
// job, so the daemon's open fds against its limit must be watchable.
#pragma once

#include <cstdint>
#include <optional>

namespace ffleet {

struct ProcessUsage {
  double cpu_seconds = 0;        // user + system since the daemon started
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  double start_time_s = 0;       // Unix time the daemon started, in seconds
  uint64_t open_fds = 0;
  std::optional<uint64_t> max_fds;  // the soft RLIMIT_NOFILE; nullopt = unlimited
};

// Reads /proc/self/stat, /proc/self/fd, /proc/stat (boot time) and the fd
// limit; nullopt when /proc cannot be read.
std::optional<ProcessUsage> read_self_usage();

}  // namespace ffleet

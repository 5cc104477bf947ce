// CPU and memory of supervised process trees, from /proc.
//
// Every child leads its own session, so "the tree of child P" is "every
// process whose session id is P" (a descendant that calls setsid escapes,
// as it escapes the group kill). One pass reads /proc/[pid]/stat of every
// process once, however many trees are asked for.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ffleet {

struct TreeUsage {
  double cpu_percent = 0;   // since the previous sample; 100 = one full core
  uint64_t rss_bytes = 0;
  uint32_t processes = 0;   // 0: nothing in that session (gone)
  double cpu_seconds = 0;   // user + system time of the processes alive now
};

class ProcSampler {
 public:
  explicit ProcSampler(std::string proc_root = "/proc");

  // Usage of each session in `sessions` (every one gets an entry). CPU % is
  // the difference with the previous call over the steady_clock time between
  // them; a session's first sample shows 0 %. Not thread-safe (one owner).
  std::unordered_map<pid_t, TreeUsage> sample(const std::vector<pid_t>& sessions);

  // The daemon itself: cpu_seconds (user + system) and rss_bytes, processes =
  // 1; cpu_percent is left 0 (the caller differentiates cpu_seconds).
  static TreeUsage self_usage();

 private:
  struct Seen {
    uint64_t start_ticks;  // start time: tells a reused pid from the same process
    uint64_t cpu_ticks;
    pid_t session;
  };

  std::string root_;
  std::unordered_map<pid_t, Seen> previous_;  // processes of the sessions of the last call
  std::unordered_map<pid_t, bool> previous_sessions_;
  std::chrono::steady_clock::time_point previous_time_{};
  long ticks_per_second_;
  long page_size_;
};

// The fields of one /proc/[pid]/stat line that the sampler needs. Exposed for
// tests: the command name may contain spaces and parentheses.
struct ProcStat {
  pid_t session = 0;
  uint64_t utime = 0, stime = 0;  // clock ticks
  uint64_t start_ticks = 0;
  int64_t rss_pages = 0;
};
bool parse_proc_stat(const char* text, size_t len, ProcStat* out);

}  // namespace ffleet

// CPU and memory of supervised process trees, from /proc.
//
// Every child leads its own session, so "the tree of child P" is "every
// process whose session id is P", and also every process whose parent is in
// the tree: a descendant that calls setsid leaves the session, not the tree
// (job leaders are child subreapers, so an orphaned descendant's parent
// becomes the leader; see strays.hpp). Once counted for a tree, a process
// stays counted for it while the tree is asked for.
//
// Cost. Only /proc/[pid]/stat tells a process's session, and opening, reading
// and closing it for every process of the machine each second (~9 us each)
// was most of the daemon's CPU with a large fleet. So the sampler keeps an
// fd open on /proc/[pid]/stat of each process it knows to be in a tracked
// session and only preads it (no path lookup, no open/close). The full scan
// of /proc, which finds what the fds cannot (descendants forked since, the
// processes of a new session), runs on a pass where a session is new or has
// just lost its last known process, and otherwise once every `rescan_every`
// passes. A descendant forked between two scans is therefore counted up to
// `rescan_every` passes late; its CPU since it started is then counted at
// once, not lost.
//
// File descriptors: one per process of the tracked trees (about one per
// supervised child, ffmpeg does not fork) plus one on the /proc directory,
// held between calls and closed when the process is gone or its session is
// no longer asked for. The daemon raises RLIMIT_NOFILE's soft limit to the
// hard limit at start (reactor.cpp), which leaves room for that; should an
// open fail anyway (EMFILE), that process is read by path on each pass.
#pragma once

#include <dirent.h>
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

struct ProcStat;

class ProcSampler {
 public:
  // rescan_every: a full /proc scan at least once every that many passes
  // (1: every pass; 0 is taken as 1).
  explicit ProcSampler(std::string proc_root = "/proc", unsigned rescan_every = 5);
  ~ProcSampler();
  ProcSampler(const ProcSampler&) = delete;  // owns fds
  ProcSampler& operator=(const ProcSampler&) = delete;

  // Usage of each session in `sessions` (every one gets an entry). CPU % is
  // the difference with the previous call over the steady_clock time between
  // them; a session's first sample shows 0 %. Not thread-safe (one owner).
  std::unordered_map<pid_t, TreeUsage> sample(const std::vector<pid_t>& sessions);


 private:
  // A process of a tracked session, as of the last pass.
  struct Member {
    int fd;                // on its /proc/[pid]/stat; -1: none could be kept, read by path
    uint64_t start_ticks;  // start time: tells a reused pid from the same process
    uint64_t cpu_ticks;
    pid_t tree;            // the asked session it is counted for
  };
  // The figures of one pass: usage per asked session, CPU ticks since the
  // previous pass per session.
  struct Pass {
    std::unordered_map<pid_t, TreeUsage> usage;
    std::unordered_map<pid_t, uint64_t> delta_ticks;
  };

  bool new_session_asked(const std::vector<pid_t>& sessions) const;
  bool lost_last_member(const Pass& pass) const;
  void read_members(Pass& pass);
  void scan(Pass& pass);
  int root_fd();
  // Adds one process to the pass under `tree`; false if no such tree is asked for.
  bool account(Pass& pass, pid_t tree, const ProcStat& st, const Member* before);
  // The tree a process not yet known belongs to: its session's, or its
  // parent's; 0 for none.
  pid_t tree_of(const Pass& pass, const ProcStat& st) const;
  void close_member(Member& m);

  std::string root_;
  unsigned rescan_every_;
  unsigned passes_since_scan_ = 0;
  DIR* root_dir_ = nullptr;                   // opened on the first scan, rewound for each
  std::unordered_map<pid_t, Member> members_; // pid -> process of a tracked session
  std::unordered_map<pid_t, uint32_t> previous_sessions_;  // asked last call -> processes found
  std::chrono::steady_clock::time_point previous_time_{};
  long ticks_per_second_;
  long page_size_;
};

// The fields of one /proc/[pid]/stat line that the sampler needs. Exposed for
// tests: the command name may contain spaces and parentheses.
struct ProcStat {
  pid_t ppid = 0;
  pid_t session = 0;
  uint64_t utime = 0, stime = 0;  // clock ticks
  uint64_t start_ticks = 0;  // since boot
  uint64_t vsize_bytes = 0;
  int64_t rss_pages = 0;
};
bool parse_proc_stat(const char* text, size_t len, ProcStat* out);

}  // namespace ffleet

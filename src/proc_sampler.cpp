#include "src/proc_sampler.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cstring>

namespace ffleet {
namespace {

// Reads a small /proc file whole into `buf` (no iostreams: this runs for
// every process of the machine each sample). Returns the length or -1.
ssize_t read_small(int dirfd, const char* rel, char* buf, size_t size) {
  int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size);
  close(fd);
  return n;
}

}  // namespace

bool parse_proc_stat(const char* text, size_t len, ProcStat* out) {
  // "pid (comm) state ppid ...": comm may hold spaces and ')' itself, so the
  // fields start after the *last* ')'.
  const char* close = static_cast<const char*>(memrchr(text, ')', len));
  if (!close) return false;
  const char* p = close + 1;
  const char* end = text + len;
  ProcStat s;
  int field = 2;  // the one just passed: comm
  while (p < end && field < 24) {
    while (p < end && *p == ' ') ++p;
    if (p >= end) break;
    ++field;
    bool negative = *p == '-';
    if (negative) ++p;
    uint64_t v = 0;
    const char* start = p;
    while (p < end && *p >= '0' && *p <= '9') v = v * 10 + static_cast<uint64_t>(*p++ - '0');
    while (p < end && *p != ' ') ++p;  // state is a letter: skip it
    if (p == start && field != 3) return false;
    switch (field) {
      case 6: s.session = static_cast<pid_t>(v); break;
      case 14: s.utime = v; break;
      case 15: s.stime = v; break;
      case 22: s.start_ticks = v; break;
      case 24: s.rss_pages = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v); break;
      default: break;
    }
  }
  if (field < 24) return false;
  *out = s;
  return true;
}

ProcSampler::ProcSampler(std::string proc_root)
    : root_(std::move(proc_root)),
      ticks_per_second_(sysconf(_SC_CLK_TCK)),
      page_size_(sysconf(_SC_PAGESIZE)) {}

std::unordered_map<pid_t, TreeUsage> ProcSampler::sample(const std::vector<pid_t>& sessions) {
  auto now = std::chrono::steady_clock::now();
  std::unordered_map<pid_t, TreeUsage> usage;
  std::unordered_map<pid_t, uint64_t> delta_ticks;
  usage.reserve(sessions.size());
  for (pid_t s : sessions) usage.emplace(s, TreeUsage{});
  std::unordered_map<pid_t, Seen> seen;
  seen.reserve(previous_.size() + sessions.size());

  int dirfd = open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* dir = dirfd >= 0 ? fdopendir(dirfd) : nullptr;
  if (!dir && dirfd >= 0) close(dirfd);
  while (dir) {
    dirent* e = readdir(dir);
    if (!e) break;
    const char* name = e->d_name;
    if (*name < '1' || *name > '9') continue;  // only pids
    char rel[32];
    size_t n = strnlen(name, 16);
    if (n > 16) continue;
    std::memcpy(rel, name, n);
    std::memcpy(rel + n, "/stat", 6);
    char buf[1024];
    ssize_t len = read_small(dirfd, rel, buf, sizeof buf);
    if (len <= 0) continue;  // exited meanwhile
    ProcStat st;
    if (!parse_proc_stat(buf, static_cast<size_t>(len), &st)) continue;
    auto u = usage.find(st.session);
    if (u == usage.end()) continue;
    pid_t pid = static_cast<pid_t>(std::strtol(name, nullptr, 10));
    uint64_t ticks = st.utime + st.stime;
    TreeUsage& t = u->second;
    t.processes++;
    if (st.rss_pages > 0) t.rss_bytes += static_cast<uint64_t>(st.rss_pages) * static_cast<uint64_t>(page_size_);
    t.cpu_seconds += static_cast<double>(ticks) / static_cast<double>(ticks_per_second_);
    // CPU since the last call. A process we knew: its increase. A process
    // new in a tree we knew: all of it (it started since). A tree seen for
    // the first time: nothing yet, or a long-running process would spike.
    // (The last slice of a process that died in between is not counted.)
    uint64_t delta = 0;
    auto prev = previous_.find(pid);
    if (prev != previous_.end() && prev->second.start_ticks == st.start_ticks) {
      delta = ticks >= prev->second.cpu_ticks ? ticks - prev->second.cpu_ticks : 0;
    } else if (previous_sessions_.count(st.session)) {
      delta = ticks;
    }
    delta_ticks[st.session] += delta;
    seen[pid] = Seen{st.start_ticks, ticks, st.session};
  }
  if (dir) closedir(dir);

  double elapsed = previous_time_ == std::chrono::steady_clock::time_point{}
                       ? 0.0
                       : std::chrono::duration<double>(now - previous_time_).count();
  if (elapsed > 0) {
    for (auto& [session, ticks] : delta_ticks)
      usage[session].cpu_percent =
          100.0 * static_cast<double>(ticks) / static_cast<double>(ticks_per_second_) / elapsed;
  }
  previous_ = std::move(seen);
  previous_sessions_.clear();
  for (pid_t s : sessions) previous_sessions_[s] = true;
  previous_time_ = now;
  return usage;
}

TreeUsage ProcSampler::self_usage() {
  TreeUsage u;
  char buf[1024];
  ssize_t len = read_small(AT_FDCWD, "/proc/self/stat", buf, sizeof buf);
  ProcStat st;
  if (len <= 0 || !parse_proc_stat(buf, static_cast<size_t>(len), &st)) return u;
  u.processes = 1;
  u.cpu_seconds = static_cast<double>(st.utime + st.stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  if (st.rss_pages > 0) u.rss_bytes = static_cast<uint64_t>(st.rss_pages) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return u;
}

}  // namespace ffleet

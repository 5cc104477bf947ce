#include "src/process/proc_sampler.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ffleet {
namespace {

// Reads a small /proc file whole into `buf` (no iostreams: during a scan this
// runs for every process of the machine). Returns the length or -1.
ssize_t read_small(int dirfd, const char* rel, char* buf, size_t size) {
  int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size);
  close(fd);
  return n;
}

// A stat line is about 300 bytes; the fields we need are in its first half.
constexpr size_t kStatBuf = 1024;

// For a process we could keep no fd for (descriptor limit reached).
ssize_t read_stat_by_path(int dirfd, pid_t pid, char (&buf)[kStatBuf]) {
  if (dirfd < 0) return -1;
  char rel[32];
  std::snprintf(rel, sizeof rel, "%d/stat", static_cast<int>(pid));
  return read_small(dirfd, rel, buf, sizeof buf);
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
      case 4: s.ppid = static_cast<pid_t>(v); break;
      case 6: s.session = static_cast<pid_t>(v); break;
      case 14: s.utime = v; break;
      case 15: s.stime = v; break;
      case 22: s.start_ticks = v; break;
      case 23: s.vsize_bytes = v; break;
      case 24: s.rss_pages = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v); break;
      default: break;
    }
  }
  if (field < 24) return false;
  *out = s;
  return true;
}

ProcSampler::ProcSampler(std::string proc_root, unsigned rescan_every)
    : root_(std::move(proc_root)),
      rescan_every_(rescan_every > 0 ? rescan_every : 1),
      ticks_per_second_(sysconf(_SC_CLK_TCK)),
      page_size_(sysconf(_SC_PAGESIZE)) {}

ProcSampler::~ProcSampler() {
  for (auto& kv : members_) close_member(kv.second);
  if (root_dir_) closedir(root_dir_);
}

std::unordered_map<pid_t, TreeUsage> ProcSampler::sample(const std::vector<pid_t>& sessions) {
  auto now = std::chrono::steady_clock::now();
  Pass pass;
  pass.usage.reserve(sessions.size());
  for (pid_t s : sessions) pass.usage.emplace(s, TreeUsage{});

  // A new session's processes are not among the fds yet: scan at once, or
  // its first samples would say "gone".
  bool scan_due = passes_since_scan_ + 1 >= rescan_every_ || new_session_asked(sessions);
  read_members(pass);
  // A session that just lost its last known process may still have a
  // descendant forked since the last scan (the leader exited first), or
  // its id may lead a new process: look before reporting it gone.
  if (scan_due || lost_last_member(pass)) {
    scan(pass);
    passes_since_scan_ = 0;
  } else {
    ++passes_since_scan_;
  }

  double elapsed = previous_time_ == std::chrono::steady_clock::time_point{}
                       ? 0.0
                       : std::chrono::duration<double>(now - previous_time_).count();
  if (elapsed > 0) {
    for (auto& [session, ticks] : pass.delta_ticks)
      pass.usage[session].cpu_percent =
          100.0 * static_cast<double>(ticks) / static_cast<double>(ticks_per_second_) / elapsed;
  }
  previous_sessions_.clear();
  for (auto& [session, u] : pass.usage) previous_sessions_[session] = u.processes;
  previous_time_ = now;
  return std::move(pass.usage);
}

bool ProcSampler::new_session_asked(const std::vector<pid_t>& sessions) const {
  for (pid_t s : sessions)
    if (!previous_sessions_.count(s)) return true;
  return false;
}

bool ProcSampler::lost_last_member(const Pass& pass) const {
  for (auto& [session, processes] : previous_sessions_) {
    if (processes == 0) continue;  // already gone: no scan for it each pass
    auto u = pass.usage.find(session);
    if (u != pass.usage.end() && u->second.processes == 0) return true;
  }
  return false;
}

// Rereads every known process through its fd, and forgets those that are gone
// or whose session is no longer asked for.
//
// Pid reuse: an fd on /proc/<pid>/stat holds the process (its struct pid),
// not the number. Once the process is reaped, pread fails with ESRCH even if
// the number now belongs to a new process (checked on Linux 6.18 by forcing
// the reuse with ns_last_pid in a pid namespace); a zombie still reads, as
// it did when found by a scan. So a reused pid cannot be mistaken for the
// process we knew through its fd. The start time is compared anyway: it is
// what protects the by-path reads (fd -1, and a proc root made of plain files
// as in the tests), and it costs nothing.
void ProcSampler::read_members(Pass& pass) {
  char buf[kStatBuf];
  for (auto it = members_.begin(); it != members_.end();) {
    Member& m = it->second;
    bool keep = false;
    if (pass.usage.count(m.tree)) {  // else no need to read it
      ssize_t len = m.fd >= 0 ? pread(m.fd, buf, sizeof buf, 0) : read_stat_by_path(root_fd(), it->first, buf);
      ProcStat st;
      if (len > 0 && parse_proc_stat(buf, static_cast<size_t>(len), &st)) {
        // Another start time: a new process under a reused pid (by-path reads only).
        const Member* before = st.start_ticks == m.start_ticks ? &m : nullptr;
        pid_t tree = before ? m.tree : tree_of(pass, st);
        keep = tree != 0 && account(pass, tree, st, before);
        if (keep) m = Member{m.fd, st.start_ticks, st.utime + st.stime, tree};
      }  // else ESRCH, or 0 bytes: gone
    }
    if (keep) {
      ++it;
    } else {
      close_member(m);
      it = members_.erase(it);
    }
  }
}

// One pass over the /proc directory for the processes of the asked sessions
// that have no fd yet. Reading the stat of every other process is the
// expensive part, hence done only when due.
void ProcSampler::scan(Pass& pass) {
  int dirfd = root_fd();
  if (dirfd < 0) return;
  rewinddir(root_dir_);
  char buf[kStatBuf];
  // Processes of no asked tree so far: one may be the child of a process
  // found later in this same scan (a new descendant of a new descendant).
  std::vector<std::pair<pid_t, ProcStat>> others;
  auto add_member = [&](pid_t pid, pid_t tree, const ProcStat& st, int fd) {
    account(pass, tree, st, nullptr);
    members_.emplace(pid, Member{fd, st.start_ticks, st.utime + st.stime, tree});
  };
  while (dirent* e = readdir(root_dir_)) {
    const char* name = e->d_name;
    if (*name < '1' || *name > '9') continue;  // only pids
    size_t n = strnlen(name, 16);
    if (n > 16) continue;
    pid_t pid = static_cast<pid_t>(std::strtol(name, nullptr, 10));
    if (members_.count(pid)) continue;  // read through its fd above
    char rel[32];
    std::memcpy(rel, name, n);
    std::memcpy(rel + n, "/stat", 6);
    int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
    bool no_fd_left = fd < 0 && (errno == EMFILE || errno == ENFILE);
    if (fd < 0 && !no_fd_left) continue;  // exited meanwhile
    ssize_t len = fd >= 0 ? pread(fd, buf, sizeof buf, 0) : read_small(dirfd, rel, buf, sizeof buf);
    ProcStat st;
    bool parsed = len > 0 && parse_proc_stat(buf, static_cast<size_t>(len), &st);
    pid_t tree = parsed ? tree_of(pass, st) : 0;
    if (tree != 0) {
      add_member(pid, tree, st, fd);
    } else {
      if (fd >= 0) close(fd);  // not ours (most processes), or exited meanwhile
      if (parsed) others.emplace_back(pid, st);
    }
  }
  // Descendants whose parent was found after them; each round adds a generation.
  for (bool found = true; found;) {
    found = false;
    for (auto& [pid, st] : others) {
      if (pid == 0) continue;
      if (pid_t tree = tree_of(pass, st)) {
        char rel[32];
        std::snprintf(rel, sizeof rel, "%d/stat", static_cast<int>(pid));
        add_member(pid, tree, st, openat(dirfd, rel, O_RDONLY | O_CLOEXEC));  // -1: read by path
        pid = 0;
        found = true;
      }
    }
  }
}

pid_t ProcSampler::tree_of(const Pass& pass, const ProcStat& st) const {
  if (pass.usage.count(st.session)) return st.session;
  auto parent = members_.find(st.ppid);
  if (parent != members_.end() && pass.usage.count(parent->second.tree)) return parent->second.tree;
  return 0;
}

int ProcSampler::root_fd() {
  if (!root_dir_) {
    int fd = open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    root_dir_ = fdopendir(fd);
    if (!root_dir_) {
      close(fd);
      return -1;
    }
  }
  return dirfd(root_dir_);
}

bool ProcSampler::account(Pass& pass, pid_t tree, const ProcStat& st, const Member* before) {
  auto u = pass.usage.find(tree);
  if (u == pass.usage.end()) return false;
  uint64_t ticks = st.utime + st.stime;
  TreeUsage& t = u->second;
  t.processes++;
  if (st.rss_pages > 0) t.rss_bytes += static_cast<uint64_t>(st.rss_pages) * static_cast<uint64_t>(page_size_);
  t.cpu_seconds += static_cast<double>(ticks) / static_cast<double>(ticks_per_second_);
  // CPU since the last call. A process we knew: its increase. A process
  // new in a tree we knew: all of it (it started since the last call, or
  // since the last scan, which is why it was not seen). A tree seen for the
  // first time: nothing yet, or a long-running process would spike. (The
  // last slice of a process that died in between is not counted.)
  uint64_t delta = 0;
  if (before) {
    delta = ticks >= before->cpu_ticks ? ticks - before->cpu_ticks : 0;
  } else if (previous_sessions_.count(tree)) {
    delta = ticks;
  }
  pass.delta_ticks[tree] += delta;
  return true;
}

void ProcSampler::close_member(Member& m) {
  if (m.fd >= 0) close(m.fd);
  m.fd = -1;
}

}  // namespace ffleet

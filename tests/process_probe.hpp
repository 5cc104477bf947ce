// Looking at processes and fds from a test: is a process gone, how many fds
// does this test process hold.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace ffleet::test {

// The path of a helper program the tests supervise (tests/helpers/).
inline std::string helper(const std::string& name) { return std::string(FFLEET_TEST_HELPERS) + "/" + name; }

// The text of /proc/PID/NAME, "" when the process is gone. Plain read(2):
// a process reaped while it is read makes the read fail with ESRCH, on which
// an ifstream throws.
inline std::string proc_text(pid_t pid, const std::string& name) {
  int fd = ::open(("/proc/" + std::to_string(pid) + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return n < 0 ? "" : text;
}

// Gone, or a zombie waiting for a parent that is not us (PID 1 in a
// container may not reap).
inline bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::string all = proc_text(pid, "stat");
  if (all.empty()) return ::kill(pid, 0) != 0 && errno == ESRCH;  // reaped meanwhile
  auto close_paren = all.rfind(')');
  return close_paren != std::string::npos && all.compare(close_paren, 3, ") Z") == 0;
}

// Whether `pid` has set `signo` to be ignored (its SigIgn mask in /proc):
// how a test knows a helper is past its signal set-up.
inline bool ignores_signal(pid_t pid, int signo) {
  std::string status = proc_text(pid, "status");
  auto at = status.find("\nSigIgn:");
  if (at == std::string::npos) return false;
  return (std::stoull(status.substr(at + 8), nullptr, 16) >> (signo - 1)) & 1;
}

// The fds this process holds now.
inline size_t open_fd_count() {
  size_t n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;  // the directory's own fd
}

}  // namespace ffleet::test

namespace ffleet::test {

// Live (not zombie) processes anywhere on the machine whose command line
// holds `marker` (give each test's processes an argument of their own).
// Read from /proc, not from ffleet: what really runs.
inline std::vector<pid_t> processes_with_marker(const std::string& marker) {
  std::vector<pid_t> found;
  DIR* d = opendir("/proc");
  if (!d) return found;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    // Plain read(2): a process exiting meanwhile fails the read (ESRCH), and
    // libstdc++'s streams throw on that.
    std::string path = std::string("/proc/") + e->d_name + "/cmdline";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    std::string all;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
    ::close(fd);
    if (all.find(marker) == std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(e->d_name));
    if (!process_gone(pid)) found.push_back(pid);
  }
  closedir(d);
  return found;
}

}  // namespace ffleet::test

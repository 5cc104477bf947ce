#include "src/process/strays.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#ifndef P_PIDFD
#define P_PIDFD 3  // <linux/wait.h>; glibc 2.36's <sys/wait.h> lacks it
#endif

namespace ffleet::strays {

namespace {

// Whitespace-separated pids from one children file.
void read_pids(const std::string& path, std::vector<pid_t>& out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(fd);
  const char* p = text.c_str();
  for (;;) {
    char* end = nullptr;
    long v = std::strtol(p, &end, 10);
    if (end == p) break;
    if (v > 0) out.push_back(static_cast<pid_t>(v));
    p = end;
  }
}

// Kills or reaps one stray. It is our child and only this code reaps it, so
// its pid cannot be reused before we do: the pidfd names it for sure.
void kill_or_reap(pid_t pid, bool wait) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return;  // gone meanwhile
  siginfo_t info{};
  int r;
  while ((r = waitid(static_cast<idtype_t>(P_PIDFD), pidfd, &info, WEXITED | WNOHANG)) != 0 && errno == EINTR) {
  }
  if (r == 0 && info.si_pid == 0) {  // alive
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    if (wait)
      while (waitid(static_cast<idtype_t>(P_PIDFD), pidfd, &info, WEXITED) != 0 && errno == EINTR) {
      }
  }
  close(pidfd);
}

}  // namespace

std::vector<pid_t> children_of_self() {
  std::vector<pid_t> pids;
  // A child belongs to the thread that created it (or, reparented, to the
  // thread the kernel picked): read every thread's list.
  DIR* tasks = opendir("/proc/self/task");
  if (!tasks) return pids;
  while (dirent* e = readdir(tasks))
    if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
      read_pids(std::string("/proc/self/task/") + e->d_name + "/children", pids);
  closedir(tasks);
  return pids;
}

size_t sweep(const std::unordered_set<pid_t>& ours, bool until_none) {
  size_t found = 0;
  // Bounded: a stray forking faster than we kill is still caught, since its
  // children come to us only after it is dead.
  for (int round = 0; round < 1000; ++round) {
    size_t this_round = 0;
    for (pid_t pid : children_of_self()) {
      if (ours.count(pid)) continue;
      ++this_round;
      kill_or_reap(pid, until_none);
    }
    found += this_round;
    if (!until_none || this_round == 0) break;
  }
  return found;
}

}  // namespace ffleet::strays

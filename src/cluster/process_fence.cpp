#include "src/cluster/process_fence.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace ffleet::cluster {

namespace {

constexpr int64_t released = 0;  // the message that disarms

int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// SIGKILLs the group of every child of `daemon` that leads its own session.
void kill_jobs_of(pid_t daemon) {
  DIR* proc = opendir("/proc");
  if (!proc) return;
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    char path[300];  // "/proc/" + a d_name of up to 255 bytes + "/stat"
    std::snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = '\0';
    const char* after_name = std::strrchr(buf, ')');  // the name may contain anything
    if (!after_name) continue;
    char state;
    int ppid, pgrp, session;
    if (std::sscanf(after_name + 1, " %c %d %d %d", &state, &ppid, &pgrp, &session) != 4) continue;
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (ppid == daemon && session == pid) ::kill(-pid, SIGKILL);
  }
  closedir(proc);
}

[[noreturn]] void guard_main(int fd, pid_t daemon) {
  int64_t deadline = released;
  for (;;) {
    int timeout_ms = -1;
    if (deadline != released) {
      int64_t left = deadline - monotonic_ns();
      timeout_ms = left <= 0 ? 0 : static_cast<int>(left / 1000000 + 1);
    }
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, timeout_ms);
    if (ready > 0) {
      int64_t message;
      ssize_t n = ::read(fd, &message, sizeof message);
      if (n == 0) _exit(0);  // the daemon closed its end: it is gone or done
      if (n == static_cast<ssize_t>(sizeof message)) deadline = message;
      continue;
    }
    if (ready < 0 && errno == EINTR) continue;
    if (deadline != released && monotonic_ns() >= deadline) {
      kill_jobs_of(daemon);
      // Past the deadline: also whatever the daemon starts before it feeds us again.
      ::poll(&p, 1, 20);
      if (p.revents & (POLLIN | POLLHUP)) continue;
    }
  }
}

}  // namespace

std::unique_ptr<ProcessFence> ProcessFence::start(std::string* error) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    if (error) *error = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  pid_t daemon = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    if (error) *error = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return nullptr;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != daemon) _exit(0);  // the daemon died before the prctl
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGPIPE}) ::signal(s, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::close(fds[1]);
    guard_main(fds[0], daemon);
  }
  ::close(fds[0]);
  return std::unique_ptr<ProcessFence>(new ProcessFence(pid, fds[1]));
}

ProcessFence::~ProcessFence() {
  fence_release();
  ::close(fd_);
  ::waitpid(pid_, nullptr, 0);
}

void ProcessFence::fence_until(std::chrono::steady_clock::time_point deadline) {
  int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
  if (ns == released) ns = 1;
  [[maybe_unused]] auto n = ::write(fd_, &ns, sizeof ns);
}

void ProcessFence::fence_release() {
  int64_t ns = released;
  [[maybe_unused]] auto n = ::write(fd_, &ns, sizeof ns);
}

}  // namespace ffleet::cluster

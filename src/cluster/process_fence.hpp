// A fence guard of its own for a cluster node (see fence_guard.hpp): a tiny
// process forked at start-up that the daemon feeds "alive until T" over a
// pipe. When T passes unfed it SIGKILLs the process group of every child of
// the daemon that leads its own session (every job process does, see
// src/process/spawn.hpp), and keeps doing so every 20 ms until it is fed a
// later deadline or released. It is not frozen with the daemon (SIGSTOP, a
// long pause), ignores the terminal's signals, and dies with the daemon
// (PR_SET_PDEATHSIG).
//
// Only the daemon's own children are touched, so a recycled pid can never
// make it kill a stranger. Time is CLOCK_MONOTONIC, which steady_clock is,
// system-wide. It stands in until the spawn helper's guard
// (SpawnHelper::fence_until) is wired in; both satisfy FenceGuard.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "src/cluster/fence_guard.hpp"

namespace ffleet::cluster {

class ProcessFence : public FenceGuard {
 public:
  // Forks the guard. Call from the main thread before any other thread
  // exists. Nullptr and `error` on failure.
  static std::unique_ptr<ProcessFence> start(std::string* error);
  // Tells the guard to stand down and reaps it.
  ~ProcessFence() override;

  void fence_until(std::chrono::steady_clock::time_point deadline) override;
  void fence_release() override;
  pid_t pid() const { return pid_; }

 private:
  ProcessFence(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  pid_t pid_;
  int fd_;  // write end of the pipe; thread-safe: each write is one 8-byte message (atomic below PIPE_BUF)
};

}  // namespace ffleet::cluster

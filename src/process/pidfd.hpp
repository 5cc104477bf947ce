// Waiting for a child through its pidfd (race-free, unlike a pid, which the
// kernel may reuse once the child is reaped).
#pragma once

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#ifndef P_PIDFD
#define P_PIDFD 3  // <linux/wait.h>; glibc 2.36's <sys/wait.h> lacks it
#endif

namespace ffleet {

// waitid(P_PIDFD, pidfd, info, options), retried when a signal interrupts
// it. Returns waitid's result (0, or -1 with errno set). With WNOHANG and a
// child still running, it returns 0 and leaves info.si_pid 0.
inline int wait_pidfd(int pidfd, siginfo_t& info, int options) {
  int r;
  while ((r = waitid(static_cast<idtype_t>(P_PIDFD), pidfd, &info, options)) != 0 && errno == EINTR) {
  }
  return r;
}

}  // namespace ffleet

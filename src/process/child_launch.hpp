// The one place that creates a supervised child with clone(): shared by
// spawn_child (in the calling process) and the spawn helper (spawner.hpp),
// which differ only in where the child's fds come from and whose child it
// becomes. The guarantees are those listed in spawn.hpp.
#pragma once

#include <sys/types.h>

#include <string>

#include "src/process/spawn.hpp"

namespace ffleet {

struct LaunchFds {
  int devnull = -1;   // becomes the child's stdin and stdout; must be >= 3
  int stderr_w = -1;  // becomes the child's stderr; must be >= 3
  // 0: the child gets a copy of the caller's whole fd table (clone's default,
  // O(open fds)). Else the child shares the table until it calls
  // close_range(keep_below, ~0, CLOSE_RANGE_UNSHARE), which copies only the
  // fds below keep_below: O(1) however many fds the caller has. devnull and
  // stderr_w must then be below keep_below.
  int keep_below = 0;
};

struct Launched {
  pid_t pid = -1;     // set even on failure when a child was created (it has exited, not reaped)
  int pidfd = -1;     // close-on-exec; -1 on failure
  std::string error;  // empty on success, else e.g. `cannot run "x": No such file or directory`
};

// Creates the child and waits only until it has exec'ed or failed
// (CLONE_VFORK). as_sibling adds CLONE_PARENT: the child becomes a child of
// the caller's parent, and its PR_SET_PDEATHSIG then follows the *parent's*
// thread that created the caller. `expected_parent` is the pid the child
// must see as its parent once PDEATHSIG is set (else that parent already
// died and the child exits at once). A failed child is left unreaped: its
// parent must reap it (pid is set). Raw system calls only in the child.
Launched launch_child(const SpawnRequest& request, const std::string& path, const LaunchFds& fds,
                      pid_t expected_parent, bool as_sibling);

// `binary` resolved against the caller's PATH, or the error text.
bool resolve_for_spawn(const std::string& binary, std::string& path, std::string& error);

// `cannot run "binary": <strerror(err)>`
std::string cannot_run(const std::string& binary, int err);

}  // namespace ffleet

// Starting one supervised child process, the way a supervisor must:
//
//  - the child is the leader of its own session (setsid), so its process
//    group id equals its pid and kill(-pid, sig) reaches its whole tree
//    (unless a descendant leaves the group on purpose);
//  - stdin and stdout are /dev/null, stderr is the write end of a pipe whose
//    read end (non-blocking, close-on-exec) the caller gets;
//  - every other fd is closed, the signal mask is empty and every signal has
//    its default disposition (a blocked or ignored SIGINT inherited from the
//    daemon would make ffmpeg unstoppable);
//  - the environment is exactly the one given (empty by default), the working
//    directory the one given (empty: the daemon's);
//  - the child is a child subreaper (PR_SET_CHILD_SUBREAPER, kept across
//    exec): descendants orphaned inside its tree are reparented to it, not
//    to init (strays.hpp);
//  - the child gets SIGKILL when the *thread* that spawned it exits
//    (PR_SET_PDEATHSIG), so no child outlives the daemon, not even a
//    SIGKILLed one. Hence: call spawn_child only from threads that live as
//    long as the daemon (CAF's worker threads do), never from a short-lived
//    std::thread, or its children die with it.
//
// The child is made with clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD): no
// page tables are copied (fast for a big daemon) and the pidfd is race-free.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace ffleet {

struct SpawnRequest {
  std::string binary;              // a bare name is looked up in the daemon's PATH
  std::vector<std::string> args;   // argv[1..]; argv[0] is `binary` as given
  std::vector<std::string> env;    // "K=V", exactly the child's environment
  std::string cwd;                 // empty: the daemon's working directory
};

struct SpawnedChild {
  pid_t pid = -1;      // also its process group and session id
  int pidfd = -1;      // close-on-exec
  int stderr_fd = -1;  // read end of the child's stderr; close-on-exec, non-blocking
};

struct SpawnResult {
  std::optional<SpawnedChild> child;  // set on success
  std::string error;                  // else e.g. `cannot run "sloop": No such file or directory`
};

// Thread-safe. On failure no process is left behind (a child whose exec
// failed is reaped before returning) and no fd leaks.
SpawnResult spawn_child(const SpawnRequest& request);

// A name containing '/' is taken as is; a bare name is searched in the
// directories of `path_env` (a PATH value; empty entries are skipped rather
// than meaning "."). Returns the path of a regular, executable file, or
// nothing.
std::optional<std::string> resolve_binary(const std::string& name, const std::string& path_env);

}  // namespace ffleet

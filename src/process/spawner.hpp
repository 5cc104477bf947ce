// The spawn helper: a small process beside the daemon that creates its job
// processes and guards them (the fence). See docs/architecture.md
// ("Spawning and the fence guard").
//
// Why a helper: creating a child copies the creator's fd table, and the
// daemon holds two or three fds per job, so spawning from the daemon costs
// O(jobs) and bringing up a fleet O(jobs²). The helper is forked at start-up,
// before the daemon opens anything; its fd table stays tiny (fds 0-5 fixed,
// its two sockets, one pidfd per live job), and each child copies only fds
// 0-5 of it (CLONE_FILES, then close_range(6, ~0, CLOSE_RANGE_UNSHARE)).
//
// Whose child: the helper clones with CLONE_PARENT, so every job process is
// the *daemon's* child, exactly as with spawn_child: the daemon pidfd_open()s
// it (race-free, since only the daemon reaps it), reaps it and gets its exit
// status. The child's PR_SET_PDEATHSIG follows its parent *thread*, which for
// CLONE_PARENT is the daemon thread that forked the helper: start the helper
// from the main thread (it lives as long as the process). A SIGKILLed daemon
// takes its children with it, and the helper too (PDEATHSIG as well).
//
// The helper keeps every guarantee of spawn.hpp (setsid, /dev/null stdin and
// stdout, stderr pipe, empty mask and default dispositions, no other fd,
// exact env and cwd, exec errors with the system's text). It leads its own
// process group with every signal blocked: a Ctrl-Z or a signal to the
// daemon's group neither stops nor kills it.
//
// Two worker threads spawn concurrently (a child's execve is ~0.5 ms of
// CPU; two cores, two spawns at a time), each waiting only for its own
// child's exec (CLONE_VFORK). Requests and replies are messages on a unix
// SOCK_SEQPACKET pair: the daemon passes the stderr pipe's write end with
// SCM_RIGHTS and keeps the read end; the reply carries the pid or the error.
// The reactor sends requests and reads replies without blocking; a test or
// tool can use spawn(), which waits for the reply.
//
// The fence guard runs in the same process (its main thread), on a socket of
// its own so renewals never queue behind spawn requests:
//
//   fence_until(deadline): from now on, if `deadline` passes without a newer
//     fence_until, the guard SIGKILLs the process group of every job process
//     it spawned that the daemon has not yet reaped, and refuses to spawn
//     (the request fails) until the next fence_until or fence_release; a
//     request already under way when it fires is killed as it starts.
//   fence_release(): disarm. Single-node mode never arms it.
//
// The guard acts even when the daemon is frozen (SIGSTOP, a long pause): it
// is another process with its own clock. It signals each group through the
// job's pidfd (pidfd_send_signal with PIDFD_SIGNAL_PROCESS_GROUP, Linux 6.9),
// which names the group by its struct pid, not by its number: a group that
// is gone is ESRCH, never a stranger who reused the number. On older kernels
// it falls back to kill(-pgid), kept safe by the order of events: the daemon
// tells the guard to forget a pid before it reaps it (a zombie leader still
// holds its pgid), and the guard reads any newer fence message before it
// acts. What is left there: a forget still unread by the workers when the
// guard fires, and the pid reused within that moment (pids are handed out
// in a cycle of pid_max, so practically never).
//
// Time: steady_clock is CLOCK_MONOTONIC, system-wide, so the daemon and the
// guard agree on it. The guard converts the deadline to CLOCK_BOOTTIME when
// it arrives, so a machine suspend (during which CLOCK_MONOTONIC stops) does
// not postpone the fence: after a resume an expired fence fires at once.
// The limit: while the whole machine is paused (a VM stopped by its host,
// a suspend), nothing in it runs, the guard neither; its jobs keep running
// from the moment the machine resumes until the guard's next step (it fires
// at once then). A cluster must size its lease so that the other nodes wait
// out the lease *and* assume a paused node's jobs may write briefly after
// resuming; no process inside the machine can do better.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "src/process/spawn.hpp"

namespace ffleet {

class SpawnHelper {
 public:
  // Forks the helper now. Call from the main thread, before other threads
  // exist and before opening more than needed (the helper gets a copy of
  // our memory and closes every fd it does not use). Nullptr and `error` on
  // failure.
  static std::unique_ptr<SpawnHelper> start(std::string* error = nullptr);

  // Closes the sockets and reaps the helper, which first SIGKILLs the group
  // of every child it spawned that was not forgotten (so does it when the
  // daemon dies). Call after the reactor has stopped.
  ~SpawnHelper();
  SpawnHelper(const SpawnHelper&) = delete;
  SpawnHelper& operator=(const SpawnHelper&) = delete;

  pid_t pid() const { return pid_; }

  // --- asynchronous use (the reactor thread; never blocks) ---

  enum class Sent { ok, again, failed };
  // Asks for a child whose stderr is `stderr_w` (we may close our copy once
  // sent). again: the socket is full, retry after reading a reply. failed:
  // `error` says why (request too large, helper gone).
  Sent send_spawn(uint64_t tag, const SpawnRequest& request, int stderr_w, std::string& error);

  struct Reply {
    uint64_t tag = 0;
    pid_t pid = -1;     // > 0 on success; on failure the pid of a child that exited (reap it) or -1
    std::string error;  // empty on success
  };
  // A reply if one is waiting; false when none is, or the helper is gone
  // (then gone() is true).
  bool read_reply(Reply& out);
  // Readable when replies wait (or the helper died).
  int reply_fd() const { return spawn_sock_; }
  bool gone() const { return gone_; }

  // Before reaping a child it spawned: the guard forgets its group.
  void forget(pid_t pid);

  // --- synchronous use (tests, tools; not while a reactor uses it) ---

  // As spawn_child, through the helper.
  SpawnResult spawn(const SpawnRequest& request);

  // --- the fence guard (thread-safe) ---
  void fence_until(std::chrono::steady_clock::time_point deadline);
  void fence_release();

 private:
  SpawnHelper(pid_t pid, int spawn_sock, int fence_sock) : pid_(pid), spawn_sock_(spawn_sock), fence_sock_(fence_sock) {}
  pid_t pid_;
  int spawn_sock_;
  int fence_sock_;
  bool gone_ = false;
  uint64_t next_sync_tag_ = uint64_t{1} << 63;  // spawn()'s tags, apart from the reactor's
};

// The helper the process-wide fence functions below act on (`ffleet run`
// sets its own; nullptr clears). Not owning.
void set_fence_guard(SpawnHelper* helper);

// The cluster's fence, acting on the daemon's spawn helper (see above).
// Without one (set_fence_guard not called) they log an error and do nothing.
void fence_until(std::chrono::steady_clock::time_point deadline);
void fence_release();

}  // namespace ffleet

// The I/O reactor: the one non-actor thread of the daemon. It waits with
// epoll on every child's stderr pipe and pidfd, on an optional signalfd and
// on its own command eventfd, and only forwards what happens through
// callbacks (the actor layer turns them into messages). It never blocks and
// never waits for a pipe's EOF.
//
// Output is coalesced: pipes live in a second, "bulk" epoll set that is
// itself registered one-shot in the main set. After a round of reading, the
// bulk set is re-armed only `coalesce` later, so a thousand children printing
// a progress line twice a second cost ~10 wakeups a second, not 2000. A child
// whose pipe was found full is "hot" and rounds then follow each other at
// once, so a flooding child is not held back (it may block once, for at most
// one coalesce period, before it is seen as hot). Exits, signals and commands live in the
// main set and are handled at once.
//
// Spawning (spawn()): with a spawn helper (spawner.hpp) the request goes to
// it as a message and the reply comes back on one more fd of the main set,
// so no spawn waits for another and none holds up the loop; up to
// kMaxSpawnsInFlight are at the helper at once, the rest wait here in order.
// Commands for a child still being spawned are kept and applied once it
// runs. Without a helper the caller's thread spawns (spawn_child).
//
// Exit of a child (its pidfd becomes readable, it is a zombie): SIGKILL to
// its process group (leftover grandchildren; safe, the zombie still holds the
// pid and so the group id), reap it, read what is left in the pipe without
// waiting for EOF (an escaped grandchild may hold the pipe open forever),
// deliver it, then on_exit, then close and forget.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "src/process/exit_status.hpp"
#include "src/process/spawn.hpp"
#include "src/process/spawner.hpp"

namespace ffleet {

// Unique for the life of a Reactor; never reused (fd numbers and pids are).
using ChildId = uint64_t;

// Called on the reactor thread; must not block and must not throw. They may
// call the Reactor's commands (queued, executed after the callback returns).
struct ChildSink {
  // Bytes from the child's stderr, in order, cut anywhere (not at lines).
  // With ack_requested, no more is read from this child until resume(id).
  std::function<void(std::string chunk, bool ack_requested)> on_output;
  // Once, after the last on_output of that child.
  std::function<void(ExitStatus)> on_exit;
  // Children made by spawn(): once, first, with the pid (> 0), or with -1
  // and why it could not start (then nothing else is called).
  std::function<void(pid_t pid, std::string error)> on_spawned;
};

// (Outside the class only because GCC refuses `Options = {}` as a default
// argument for a nested struct with member initializers.)
struct ReactorOptions {
  std::chrono::milliseconds coalesce{100};  // minimum time between two reading rounds
  size_t window_bytes = 1 << 20;            // bytes delivered per child before an ack is needed
  SpawnHelper* spawner = nullptr;           // not owned; must outlive the Reactor. nullptr: spawn in-process
  // The daemon, a child subreaper, sets this (with a spawner): kill and reap
  // every child that is neither a job process nor the spawn helper (an
  // escaped descendant of an ended job, strays.hpp) on each SIGCHLD (add
  // SIGCHLD to on_signals' set) and at the end.
  bool sweep_strays = false;
};

class Reactor {
 public:
  using Options = ReactorOptions;

  explicit Reactor(Options options = {});
  // Stops the thread, SIGKILLs and reaps every child still adopted, without
  // calling back.
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Starts the thread (and raises RLIMIT_NOFILE's soft limit to the hard one:
  // every child costs two fds). Stop joins it; children stay adopted (for the
  // destructor to kill). Both idempotent; no restart after stop. Never call
  // stop() or the destructor from a callback (the thread would join itself).
  void start();
  void stop();

  // Everything below is thread-safe and never blocks on the reactor. Commands
  // are executed on the reactor thread in call order. Commands naming a child
  // that is gone are no-ops.

  // Starts a child (see the top of this file); on_spawned tells how it went.
  // The id is valid at once: commands for it are kept until it runs.
  ChildId spawn(SpawnRequest request, ChildSink sink);
  void spawn(ChildId id, SpawnRequest request, ChildSink sink);  // under a reserve_id()
  // Takes ownership of the child's fds. The child must lead its own process
  // group and come with a pidfd (spawn_child does both).
  ChildId adopt(SpawnedChild child, ChildSink sink);
  // The same in two steps, for a caller whose sink needs the id first (the
  // actors that consume the sink's messages are given the id at their start):
  // an id no adopt() uses, then the adoption under it.
  ChildId reserve_id();
  void adopt(ChildId id, SpawnedChild child, ChildSink sink);
  // kill(-pgid, sig), only while the child is not yet reaped.
  void signal_group(ChildId id, int sig);
  // SIGKILL to the group, deliver what is in the pipe now, close the pipe.
  // The end of a stop escalation: on_exit follows as soon as the child dies,
  // whoever holds a copy of its stderr.
  void kill_and_close(ChildId id);
  // The consumer processed the chunk that had ack_requested: read again.
  void resume(ChildId id);
  // The owner is gone: SIGKILL the group, reap silently, no more callbacks
  // (the sink is destroyed on the reactor thread).
  void release(ChildId id);
  // Reads these signals from a signalfd and calls `handler(signo)` on the
  // reactor thread (SIGCHLD excepted: the reactor's own, see sweep_strays). The caller must have blocked them in every thread (block
  // them before starting any thread). A second call replaces the first.
  void on_signals(const sigset_t& signals, std::function<void(int signo)> handler);

  // Children spawned or adopted and not yet reaped (released ones included),
  // counting those whose spawn() or adopt() the loop has not yet taken.
  size_t children() const;

 private:
  struct Loop;
  void send(int kind, ChildId id, int sig = 0);
  std::unique_ptr<Loop> loop_;
};

}  // namespace ffleet

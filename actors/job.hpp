// The job actor: one per job of the job file, the supervision of one
// process (docs/architecture.md).
//
// It owns the state machine, the order (start/stop), the run counter, the
// restart policy and timers, and the journal (log ring, run reports). Each
// run of the process gets linked children (reader, waiter, limiter, and a
// staler when stale_timeout is set; see their headers); the job learns
// everything about the run from their messages and is the only one to change
// its state.
#pragma once

#include "actors/messages.hpp"

namespace ffleet {

// What every job needs from the daemon: the reactor (the one non-actor
// thread, with a thread-safe API), the event stream, the fleet sampler and
// the log writer (invalid: no log files are written).
struct Services {
  Reactor* reactor = nullptr;
  events_actor events;
  sampler_actor sampler;
  log_writer_actor log_writer;
};

// Bytes of log lines a job may have sent to the log writer and not yet seen
// written; beyond, lines are dropped from the file (still kept in the ring)
// and counted. Bounds the daemon's memory whatever the disk does.
constexpr uint64_t log_file_budget = 1 << 20;

// Spawns a job; it starts its process at once when spec.autostart is set.
job_actor spawn_job(caf::actor_system& sys, JobSpec spec, Services services);

}  // namespace ffleet

// Every message the actors exchange: the atoms, the payload types, and the
// typed interface of each actor, declared in one place so the message flow
// of docs/architecture.md can be read off this file.
//
//   supervisor ──start/stop/kill/restart/status/update/shutdown──▶ job
//   job ──spawns per run, linked──▶ reader, waiter, staler, limiter
//   reactor thread ──output, exit (anon_send)──▶ reader ──exit──▶ waiter
//   reader ──log lines──▶ job          reader ──progress──▶ staler
//   job ──status?──▶ reader (live progress, for status queries)
//   waiter ──run ended──▶ job         staler ──stale──▶ job
//   sampler (fleet-wide tick) ──usage──▶ limiter ──usage, limit──▶ job
//   job, supervisor ──event (a JSON line)──▶ events
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "config/job_spec.hpp"
#include "src/ffmpeg/ffmpeg_parser.hpp"
#include "src/job/job_status.hpp"
#include "src/job/log_ring.hpp"
#include "src/ffmpeg/progress.hpp"
#include "src/process/reactor.hpp"
#include "src/job/run_report.hpp"

namespace ffleet {

// ---- atoms ------------------------------------------------------------------
using start_atom = caf::atom_constant<caf::atom("start")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using kill_atom = caf::atom_constant<caf::atom("kill")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using logs_atom = caf::atom_constant<caf::atom("logs")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using update_atom = caf::atom_constant<caf::atom("update")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using reload_atom = caf::atom_constant<caf::atom("reload")>;
using signal_atom = caf::atom_constant<caf::atom("signal")>;
using crash_atom = caf::atom_constant<caf::atom("crash")>;
using output_atom = caf::atom_constant<caf::atom("output")>;
using exit_atom = caf::atom_constant<caf::atom("exit")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using stale_atom = caf::atom_constant<caf::atom("stale")>;
using usage_atom = caf::atom_constant<caf::atom("usage")>;
using limit_atom = caf::atom_constant<caf::atom("limit")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using event_atom = caf::atom_constant<caf::atom("event")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using jobs_atom = caf::atom_constant<caf::atom("jobs")>;

// ---- errors ---------------------------------------------------------------------
enum class errc : uint8_t { unknown_job = 1, refused = 2 };

inline caf::error make_error(errc code, std::string what) {
  return caf::error(static_cast<uint8_t>(code), caf::atom("ffleet"), caf::make_message(std::move(what)));
}

// The human text of an error: ours carry it as their context.
inline std::string error_text(const caf::error& e) {
  if (e.category() == caf::atom("ffleet") && e.context().match_elements<std::string>())
    return e.context().get_as<std::string>(0);
  return caf::to_string(e);
}

// ---- payloads -----------------------------------------------------------------

// What the reader made of stderr: new log lines, sent as they come. Progress
// is not sent line by line (the job asks the reader for it, see
// ReaderSnapshot): a fleet printing only progress costs no message per line.
struct OutputBatch {
  std::vector<LogEntry> lines;         // new non-progress lines
  std::optional<Progress> progress;    // last progress (final batch only)
  std::string last_line;               // last line of any kind (final batch only)
  // The last batch of a run (sent before the exit) carries the parser's
  // summary for the run report.
  bool final = false;
  std::vector<std::string> prelude;
  LevelCounts levels;
};

// The reader's live view of the run, for status queries.
struct ReaderSnapshot {
  std::optional<Progress> progress;
  std::string last_line;
};

// What the waiter knows when a run is over.
struct RunEnd {
  ExitStatus status;
  bool escalated = false;  // SIGKILL was needed after stop_timeout
};

// A fleet-level reply: what a command did, or why it was refused.
struct CommandResult {
  bool ok = true;
  std::string message;
};

// The result of a reload: the id lists, or every error of the new file.
struct ReloadResult {
  bool ok = false;
  std::vector<std::string> added, removed, changed;
  std::vector<std::string> errors;
};

}  // namespace ffleet

// Local-only payloads: never serialized, so CAF need not inspect them.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::OutputBatch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::RunEnd)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::ReaderSnapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::ResourceStats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::ExitStatus)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::JobSpec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::FleetSpec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::JobStatus)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ffleet::JobStatus>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ffleet::LogEntry>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ffleet::RunReport>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::CommandResult)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::ReloadResult)

namespace ffleet {

// ---- interfaces -----------------------------------------------------------------

// Receives every event as one JSON line (spec section 3) and fans it out:
// the --events file and live subscribers (the HTTP event stream).
using event_listener_actor = caf::typed_actor<caf::reacts_to<event_atom, std::string>>;
using events_actor = caf::typed_actor<
    caf::reacts_to<event_atom, std::string>,
    caf::reacts_to<subscribe_atom, event_listener_actor>,
    caf::replies_to<shutdown_atom>::with<bool>>;  // flushed and closed

// Per run: the reactor feeds it stderr chunks and, last, the exit status.
using reader_actor = caf::typed_actor<
    caf::reacts_to<register_atom, ChildId>,          // the reactor's id, for flow-control acks
    caf::reacts_to<output_atom, std::string, bool>,  // chunk, ack requested
    caf::reacts_to<exit_atom, ExitStatus>,
    caf::replies_to<status_atom>::with<ReaderSnapshot>>;

// Per run: waits for the process to end and escalates a stop.
using waiter_actor = caf::typed_actor<
    caf::reacts_to<register_atom, ChildId>,  // the reactor's id of the process it owns
    caf::reacts_to<exit_atom, ExitStatus>,   // from the reader, after the last line
    caf::reacts_to<stop_atom>,               // SIGINT now, SIGKILL after stop_timeout
    caf::reacts_to<kill_atom>,               // SIGKILL now
    caf::reacts_to<timeout_atom>>;           // stop_timeout passed

// Per run: no parser progress for stale_timeout -> tells the job.
using staler_actor = caf::typed_actor<
    caf::reacts_to<progress_atom>,
    caf::reacts_to<tick_atom>>;

// Per run: judges CPU and memory samples against the job's limits.
using limiter_actor = caf::typed_actor<
    caf::reacts_to<usage_atom, double, uint64_t>>;  // cpu percent, rss bytes

// Fleet-wide: one /proc pass per tick for every registered process tree.
using sampler_actor = caf::typed_actor<
    caf::reacts_to<register_atom, int32_t, limiter_actor>,  // session id (= child pid); until it dies
    caf::reacts_to<tick_atom>>;

// One per job: the seed's process, as an actor.
using job_actor = caf::typed_actor<
    // operator commands
    caf::replies_to<start_atom>::with<CommandResult>,
    caf::replies_to<stop_atom, bool>::with<CommandResult>,   // bool: wait for the exit
    caf::replies_to<kill_atom>::with<CommandResult>,
    caf::replies_to<restart_atom>::with<CommandResult>,
    caf::replies_to<status_atom>::with<JobStatus>,
    caf::replies_to<logs_atom, uint32_t>::with<std::vector<LogEntry>>,
    caf::replies_to<report_atom>::with<std::vector<RunReport>>,
    caf::replies_to<update_atom, JobSpec>::with<bool>,       // reload: new definition
    caf::reacts_to<shutdown_atom, bool, std::string>,        // immediate?, reason; quits after the exit
    caf::reacts_to<crash_atom>,                              // fault injection (tests)
    // from the run's children and the job's own timers
    caf::reacts_to<output_atom, uint64_t, OutputBatch>,      // run, batch
    caf::reacts_to<exit_atom, uint64_t, RunEnd>,             // run, end
    caf::reacts_to<stale_atom, uint64_t, double>,            // run, idle seconds
    caf::reacts_to<usage_atom, uint64_t, double, uint64_t, ResourceStats>,  // run, cpu, rss, stats so far
    caf::reacts_to<limit_atom, uint64_t, std::string, double, double>,  // run, resource, value, limit
    caf::reacts_to<reconnect_atom, uint64_t>,                // timer generation
    caf::reacts_to<timeout_atom, uint64_t>>;                 // timer generation

// The root: owns the jobs of the job file.
using supervisor_actor = caf::typed_actor<
    caf::replies_to<status_atom>::with<std::vector<JobStatus>>,
    caf::replies_to<status_atom, std::string>::with<JobStatus>,
    caf::replies_to<start_atom, std::string>::with<CommandResult>,
    caf::replies_to<stop_atom, std::string>::with<CommandResult>,
    caf::replies_to<kill_atom, std::string>::with<CommandResult>,
    caf::replies_to<restart_atom, std::string>::with<CommandResult>,
    caf::replies_to<logs_atom, std::string, uint32_t>::with<std::vector<LogEntry>>,
    caf::replies_to<report_atom, std::string>::with<std::vector<RunReport>>,
    caf::replies_to<reload_atom>::with<ReloadResult>,
    caf::replies_to<jobs_atom>::with<std::vector<std::string>>,  // ids
    caf::reacts_to<crash_atom, std::string>,
    caf::reacts_to<shutdown_atom, bool>,    // immediate?
    caf::reacts_to<signal_atom, int32_t>>;  // from the reactor's signalfd

}  // namespace ffleet

// ---- the control protocol (ffleet ctl over CAF networking, and HTTP) ----------
//
// One request type and one reply type: the network interface stays a single
// handler, so client and daemon agree on it as long as these two types keep
// their names and fields, whatever commands are added later. Both sides must
// register them (see configure_control_plane).
namespace ffleet {

// A command of spec section 2 as words, e.g. {"status"}, {"stop", "cam-1"},
// {"logs", "cam-1", "50"}; `token` is the shared secret, empty when none.
struct ControlRequest {
  std::string token;
  std::vector<std::string> command;
};

// The outcome of a command. `code` is the exit code ctl uses (spec section 2:
// 0 ok, 1 runtime failure, 2 usage or invalid job file); `kind` names the
// outcome so HTTP can pick a status code ("ok", "unauthorized", "unknown_job",
// "bad_request", "invalid_file", "refused", "timeout", "failed"); `body` is
// JSON on success and a human sentence otherwise.
struct ControlReply {
  int32_t code = 0;
  std::string kind = "ok";
  std::string body;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ControlRequest& x) {
  return f(caf::meta::type_name("ffleet::ControlRequest"), x.token, x.command);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ControlReply& x) {
  return f(caf::meta::type_name("ffleet::ControlReply"), x.code, x.kind, x.body);
}

// Published on --control; answers by asking the supervisor.
using control_actor = caf::typed_actor<caf::replies_to<ControlRequest>::with<ControlReply>>;

}  // namespace ffleet

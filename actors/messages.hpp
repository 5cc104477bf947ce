// The contract between the actors: every atom, every payload and the typed
// interface of each actor, in one place. docs/architecture.md draws the
// message flow from this file:
//
//   supervisor ──start/stop/kill/restart/status/logs/report/update/quit──▶ job
//   job ──spawns per run, linked──▶ reader, waiter, staler (optional), limiter
//   job ──spawn request──▶ reactor ──▶ spawn helper    reactor ──Spawned──▶ job
//   reactor thread ──StderrChunk, exited (anon_send)──▶ reader
//   reader ──LogLines, then RunSummary──▶ job     reader ──drained──▶ waiter
//   reader ──progress (throttled)──▶ staler       job ──live?──▶ reader
//   job ──sigint/sigkill──▶ waiter                 waiter ──RunEnd──▶ job
//   staler ──Stale──▶ job
//   sampler (fleet-wide timer) ──UsageSample──▶ limiter ──RunUsage, LimitExceeded──▶ job
//   job, supervisor ──event (a JSON line)──▶ events ──▶ the --events file, subscribers
//   job ──log lines (within a byte budget)──▶ log writer ──written──▶ job
//
// Rules: one atom means one thing to every actor that accepts it; a payload
// of more than one value is a struct named for what it says; every message a
// run's children send the job carries the run number, so a late message of
// an earlier run is recognised and dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "config/job_spec.hpp"
#include "src/ffmpeg/progress.hpp"
#include "src/job/job_status.hpp"
#include "src/job/journal.hpp"
#include "src/job/log_ring.hpp"
#include "src/job/run_report.hpp"
#include "src/process/exit_status.hpp"
#include "src/process/reactor.hpp"

namespace ffleet {

// ---- atoms ------------------------------------------------------------------

// Operator commands, to the supervisor (with a job id) and to a job.
using start_atom = caf::atom_constant<caf::atom("start")>;      // order start, run the process
using stop_atom = caf::atom_constant<caf::atom("stop")>;        // order stop, end the process gracefully
using kill_atom = caf::atom_constant<caf::atom("kill")>;        // end the process gracefully, keep the order
using restart_atom = caf::atom_constant<caf::atom("restart")>;  // order start, end the process, start again
using status_atom = caf::atom_constant<caf::atom("status")>;    // a job's JobStatus
using logs_atom = caf::atom_constant<caf::atom("logs")>;        // a job's last log lines
using report_atom = caf::atom_constant<caf::atom("report")>;    // a job's run reports
using reload_atom = caf::atom_constant<caf::atom("reload")>;    // read the job file again, apply the diff
using jobs_atom = caf::atom_constant<caf::atom("jobs")>;        // the ids of the fleet
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;  // stop the whole fleet, then quit
using signal_atom = caf::atom_constant<caf::atom("signal")>;    // a signal the daemon received
using crash_atom = caf::atom_constant<caf::atom("crash")>;      // fault injection: the job actor throws

// The supervisor to a job.
using update_atom = caf::atom_constant<caf::atom("update")>;  // a new definition (reload)
using quit_atom = caf::atom_constant<caf::atom("quit")>;      // end the process, then quit

// Within a run.
using exited_atom = caf::atom_constant<caf::atom("exited")>;    // reactor -> reader: the child exited
using drained_atom = caf::atom_constant<caf::atom("drained")>;  // reader -> waiter: exited, every line read
using live_atom = caf::atom_constant<caf::atom("live")>;        // job -> reader: progress and last line so far
using progress_atom = caf::atom_constant<caf::atom("progress")>;  // reader -> staler: progress was made
using sigint_atom = caf::atom_constant<caf::atom("sigint")>;    // job -> waiter: SIGINT, SIGKILL after stop_timeout
using sigkill_atom = caf::atom_constant<caf::atom("sigkill")>;  // job -> waiter: SIGKILL now
using escalate_atom = caf::atom_constant<caf::atom("escalate")>;  // waiter's timer: stop_timeout passed
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;  // staler's timer: check the stale deadline

// A job's own timers; the payload is the timer's generation (see job.cpp).
using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;  // restart the process now
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;      // the job's `timeout` passed

// Fleet-wide services.
using sample_atom = caf::atom_constant<caf::atom("sample")>;  // sampler's timer: read /proc now
using event_atom = caf::atom_constant<caf::atom("event")>;    // one event, a JSON line
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using since_atom = caf::atom_constant<caf::atom("since")>;      // events kept for the other nodes, after a number
using relayed_atom = caf::atom_constant<caf::atom("relayed")>;  // an event of another node, for the listeners only
using close_atom = caf::atom_constant<caf::atom("close")>;    // events, log writer: flush and close files
using write_atom = caf::atom_constant<caf::atom("write")>;    // job -> log writer: append lines to the job's file
using errors_atom = caf::atom_constant<caf::atom("errors")>;  // events, log writer: failed writes so far
using apply_atom = caf::atom_constant<caf::atom("apply")>;        // a cluster node: run exactly these jobs
using released_atom = caf::atom_constant<caf::atom("released")>;  // supervisor -> node agent: a job let go has ended

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

// How to end a process: SIGINT and SIGKILL after stop_timeout, or SIGKILL now.
enum class StopMode : uint8_t { graceful, immediate };

// When `stop` answers: once the signal is sent, or once the process exited.
enum class ReplyWhen : uint8_t { signalled, exited };

// The supervisor tells a job to go (removed by a reload, or the shutdown).
struct QuitOrder {
  StopMode mode = StopMode::graceful;
  std::string reason;  // "shutdown", "removed from the job file"
};

// A fleet-level reply: what a command did, or why it was refused.
struct CommandResult {
  bool ok = true;
  std::string message;
};

// Where a job's lines go on disk (from its JobSpec), sent with every batch so
// the writer follows a reload without a separate message.
struct LogFileTarget {
  std::string path;
  uint64_t max_size = 0;
  size_t keep = 0;
};

// Lines for a job's log file.
struct LogFileBatch {
  LogFileTarget target;
  std::vector<LogEntry> lines;
};

// The result of a reload: the id lists, or every error of the new file.
struct ReloadResult {
  bool ok = false;
  std::vector<std::string> added, removed, changed;
  std::vector<std::string> errors;
};

// The reactor's answer to a spawn request: the process runs, or why not.
struct Spawned {
  uint64_t run = 0;
  int32_t pid = -1;   // > 0: it runs
  std::string error;  // else e.g. `cannot run "x": No such file or directory`
};

// Bytes of a child's stderr, in order, cut anywhere. With ack_requested the
// reactor reads no more of this child until the reader has handled it.
struct StderrChunk {
  std::string bytes;
  bool ack_requested = false;
};

// The reader's view of a run so far, for status queries.
struct LiveOutput {
  std::optional<Progress> progress;
  std::string last_line;
};

// New non-progress lines of a run, sent as they come. Progress is not sent
// line by line (the job asks for LiveOutput): a fleet printing only progress
// costs no message per line.
struct LogLines {
  uint64_t run = 0;
  std::vector<LogEntry> lines;
};

// Sent once by the reader, after the last LogLines of a run and before the
// exit reaches the job.
struct RunSummary {
  uint64_t run = 0;
  OutputSummary output;
};

// Whether the waiter had to SIGKILL the process.
enum class Forced : uint8_t {
  no,
  after_stop_timeout,  // SIGINT was not enough within stop_timeout
  at_once,             // an immediate stop: SIGKILL without waiting
};

// The run is over: the process exited and every line of it was read.
struct RunEnd {
  uint64_t run = 0;
  ExitStatus status;
  Forced forced = Forced::no;
};

// No progress for stale_timeout.
struct Stale {
  uint64_t run = 0;
  double idle_s = 0;
};

// One /proc sample of a run's process tree.
struct UsageSample {
  double cpu_percent = 0;  // 100 = one core
  uint64_t rss_bytes = 0;
};

// A sample passed on to the job, with the run's figures so far.
struct RunUsage {
  uint64_t run = 0;
  UsageSample now;
  ResourceStats so_far;
};

// A limit was exceeded for its whole duration: the job ends the run.
struct LimitExceeded {
  uint64_t run = 0;
  std::string resource;  // "cpu" or "memory" (the event's field)
  double value = 0, limit = 0;
  std::string reason;    // "limit exceeded: cpu 180.0% over limit 150.0% for 5s"
};

}  // namespace ffleet

// Local-only payloads: never serialized, so CAF need not inspect them.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::StopMode)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::ReplyWhen)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::QuitOrder)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::CommandResult)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::ReloadResult)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::Spawned)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::StderrChunk)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::LiveOutput)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::LogLines)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::RunSummary)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::RunEnd)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::Stale)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::UsageSample)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::RunUsage)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::LimitExceeded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::ExitStatus)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::JobSpec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::FleetSpec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::JobStatus)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ffleet::JobStatus>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ffleet::LogEntry>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ffleet::RunReport>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::LogFileBatch)

namespace ffleet {

// ---- interfaces -----------------------------------------------------------------

// Receives every event as one JSON line (the event stream of docs/control.md)
// and fans it out: the --events file and live subscribers (the HTTP stream).
using event_listener_actor = caf::typed_actor<caf::reacts_to<event_atom, std::string>>;
// In a cluster it also keeps its node's own events (not the cluster events
// every node derives itself) for the other nodes to fetch, numbered from 1,
// and passes the ones fetched from them to its listeners, not to the file
// (a node's file carries its own jobs' events).
using events_actor = caf::typed_actor<
    caf::reacts_to<event_atom, std::string>,
    caf::reacts_to<relayed_atom, std::string>,
    // The shared lines after number N (at most a page): the number of the
    // first one sent, the lines, the number of the newest kept. N at or past
    // the newest gives no line: how a newcomer learns where "now" is.
    caf::replies_to<since_atom, uint64_t>::with<uint64_t, std::vector<std::string>, uint64_t>,
    caf::reacts_to<subscribe_atom, event_listener_actor>,
    caf::replies_to<errors_atom>::with<uint64_t>,  // failed writes to the file so far
    caf::replies_to<close_atom>::with<bool>>;      // answers once the file is flushed and closed

// Fleet-wide, on a thread of its own: appends jobs' log lines to their log
// files and rotates them. A job sends a batch only while its unanswered
// batches stay within a byte budget (log_file_budget in job.hpp), so a slow
// disk makes the job drop lines (and count them), never wait and never
// queue without bound.
using log_writer_actor = caf::typed_actor<
    caf::replies_to<write_atom, LogFileBatch>::with<bool>,  // from a job: written?
    caf::reacts_to<close_atom, std::string>,                // from a job: its file changed, close the old one
    caf::replies_to<errors_atom>::with<uint64_t>,           // failed writes so far
    caf::replies_to<close_atom>::with<bool>>;               // answers once every file is closed

// Per run: turns the child's stderr into log lines, progress and a summary.
using reader_actor = caf::typed_actor<
    caf::reacts_to<StderrChunk>,                  // from the reactor
    caf::reacts_to<exited_atom, ExitStatus>,      // from the reactor, after the last chunk
    caf::replies_to<live_atom>::with<LiveOutput>>;  // from the job, for status

// Per run: owns the process; carries out a stop, reports the end.
using waiter_actor = caf::typed_actor<
    caf::reacts_to<drained_atom, ExitStatus>,  // from the reader, after the last line
    caf::reacts_to<sigint_atom>,               // from the job: graceful stop
    caf::reacts_to<sigkill_atom>,              // from the job: immediate stop
    caf::reacts_to<escalate_atom>>;            // its own timer

// Per run, when stale_timeout is set: no progress for that long -> Stale.
using staler_actor = caf::typed_actor<
    caf::reacts_to<progress_atom>,   // from the reader
    caf::reacts_to<deadline_atom>>;  // its own timer

// Per run: judges CPU and memory samples against the job's limits.
using limiter_actor = caf::typed_actor<caf::reacts_to<UsageSample>>;  // from the sampler

// The sampler samples a process tree for as long as its limiter lives.
struct WatchTree {
  int32_t session = 0;  // the session id (= the child's pid)
  limiter_actor limiter;
};

}  // namespace ffleet

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ffleet::WatchTree)

namespace ffleet {

// Fleet-wide: one /proc pass per interval for every watched process tree.
using sampler_actor = caf::typed_actor<
    caf::reacts_to<WatchTree>,      // from a limiter
    caf::reacts_to<sample_atom>>;   // its own timer

// One per job: the state machine of one supervised process, its restarts,
// timers and journal.
using job_actor = caf::typed_actor<
    // operator commands (forwarded by the supervisor)
    caf::replies_to<start_atom>::with<CommandResult>,
    caf::replies_to<stop_atom, ReplyWhen>::with<CommandResult>,
    caf::replies_to<kill_atom>::with<CommandResult>,
    caf::replies_to<restart_atom>::with<CommandResult>,
    caf::replies_to<status_atom>::with<JobStatus>,
    caf::replies_to<logs_atom, uint32_t>::with<std::vector<LogEntry>>,  // the last n lines
    caf::replies_to<logs_atom, uint32_t, uint64_t>::with<std::vector<LogEntry>>,  // the last n after seq (follow)
    caf::replies_to<report_atom>::with<std::vector<RunReport>>,
    caf::reacts_to<crash_atom>,
    // from the supervisor
    caf::reacts_to<update_atom, JobSpec>,   // applied after the running process ended
    caf::reacts_to<quit_atom, QuitOrder>,   // quits once its process exited
    // from the reactor and the run's children
    caf::reacts_to<Spawned>,
    caf::reacts_to<LogLines>,
    caf::reacts_to<RunSummary>,
    caf::reacts_to<RunEnd>,
    caf::reacts_to<Stale>,
    caf::reacts_to<RunUsage>,
    caf::reacts_to<LimitExceeded>,
    // its own timers
    caf::reacts_to<reconnect_atom, uint64_t>,
    caf::reacts_to<timeout_atom, uint64_t>>;

// Told by the supervisor when a job it let go (apply without it) has ended
// for good: its process is gone. A cluster node releases its claim then.
using released_listener_actor = caf::typed_actor<caf::reacts_to<released_atom, std::string>>;

// The root: owns the jobs of the job file.
using supervisor_actor = caf::typed_actor<
    // a cluster node: run exactly these jobs (a diff by id, as a reload);
    // bool: jobs that go are killed at once (fencing) instead of stopped
    caf::replies_to<apply_atom, FleetSpec, bool>::with<ReloadResult>,
    caf::replies_to<status_atom>::with<std::vector<JobStatus>>,
    caf::replies_to<status_atom, std::string>::with<JobStatus>,
    caf::replies_to<start_atom, std::string>::with<CommandResult>,
    caf::replies_to<stop_atom, std::string>::with<CommandResult>,  // answers once the process exited
    caf::replies_to<kill_atom, std::string>::with<CommandResult>,
    caf::replies_to<restart_atom, std::string>::with<CommandResult>,
    caf::replies_to<logs_atom, std::string, uint32_t>::with<std::vector<LogEntry>>,
    caf::replies_to<logs_atom, std::string, uint32_t, uint64_t>::with<std::vector<LogEntry>>,  // id, n, after seq
    caf::replies_to<report_atom, std::string>::with<std::vector<RunReport>>,
    caf::replies_to<reload_atom>::with<ReloadResult>,
    caf::replies_to<jobs_atom>::with<std::vector<std::string>>,
    caf::reacts_to<crash_atom, std::string>,  // only with SupervisorArgs::fault_injection (tests)
    caf::reacts_to<shutdown_atom, StopMode>,
    caf::reacts_to<signal_atom, int32_t>>;    // from the reactor's signalfd

}  // namespace ffleet

// ---- the control protocol (ffleet ctl over CAF networking, and HTTP) ----------
//
// One request type and one reply type: the network interface stays a single
// handler, so client and daemon agree on it as long as these two types keep
// their names and fields, whatever commands are added later. Both sides must
// register them (see configure_control_plane).
namespace ffleet {

// A command of `ffleet ctl` as words, e.g. {"status"}, {"stop", "cam-1"},
// {"logs", "cam-1", "50"}, {"logs", "cam-1", "50", "1234"} (only lines
// numbered above 1234: how `ctl logs -f` follows); `token` is the shared
// secret, empty when none.
struct ControlRequest {
  std::string token;
  std::vector<std::string> command;
};

// The outcome of a command. `code` is the exit code ctl uses (0 ok, 1
// runtime failure, 2 usage or invalid job file; see docs/control.md);
// `kind` names the outcome so HTTP can pick a status code ("ok",
// "unauthorized", "unknown_job", "bad_request", "invalid_file", "refused",
// "timeout", "failed"); `body` is JSON ({"error": "..."} on failure),
// except for the Prometheus text of `metrics`.
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

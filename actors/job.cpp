#include "actors/job.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "actors/events.hpp"
#include "actors/limiter.hpp"
#include "actors/reader.hpp"
#include "actors/staler.hpp"
#include "actors/waiter.hpp"
#include "config/values.hpp"
#include "src/job/exit_classification.hpp"
#include "src/job/log_file_budget.hpp"
#include "src/job/restart_policy.hpp"
#include "src/process/spawn.hpp"
#include "src/util/logging.hpp"

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// One run of the process, from spawn to exit, and the four actors that
// watch it (see their headers).
struct Run {
  uint64_t number = 0;
  int pid = -1;
  reader_actor reader;
  waiter_actor waiter;
  staler_actor staler;   // none when stale_timeout is off
  limiter_actor limiter;
  Clock::time_point started;
  WallClock::time_point started_wall;
  std::string stop_reason;  // set when ffleet ended the run (operator, stale, limit, ...)
  bool limit_kill = false;
  ResourceStats usage;      // from the limiter, for the run report
};

// A timer that cannot be cancelled (CAF 0.17 has no cancel): each arming
// bumps the generation, and a timer message of an older generation is
// ignored.
struct Timer {
  uint64_t generation = 0;
  std::optional<Clock::time_point> due;  // set while armed

  uint64_t arm(Clock::time_point at) {
    due = at;
    return ++generation;
  }
  void cancel() {
    ++generation;
    due.reset();
  }
  // True (and disarmed) when `gen` is the armed generation.
  bool fires(uint64_t gen) {
    if (gen != generation || !due) return false;
    due.reset();
    return true;
  }
};

struct job_state {
  JobSpec spec;
  Services svc;
  StateMachine sm;
  Order order = Order::stop;
  Clock::time_point since = Clock::now();
  WallClock::time_point since_wall = WallClock::now();
  uint64_t run_counter = 0;
  std::optional<Run> run;
  JobJournal journal{100, 5};
  double cpu = 0;
  uint64_t memory = 0;
  // Counters that only grow, over all runs. CPU time is summed from the
  // sampler's readings (percent over the time between two of them).
  double cpu_seconds = 0;
  std::optional<Clock::time_point> cpu_sampled_at;
  uint64_t frames_of_past_runs = 0;
  RestartPolicy policy{RestartSettings{}};
  Timer reconnect;
  Timer timeout;  // the job's `timeout`: armed at a start, kept across restarts
  std::string gave_up;  // why the job gave up restarting; empty while it did not
  uint64_t restarts = 0, stale_kills = 0, limit_kills = 0;
  std::vector<caf::typed_response_promise<CommandResult>> stop_waiters;
  bool restart_pending = false;          // `restart`: start again right after the exit
  std::optional<JobSpec> pending_spec;   // reload: apply after the exit
  bool quitting = false;                 // shutdown or removal: quit after the exit
  LogFileBudget log_file{log_file_budget};  // what may wait for the log writer
  static inline const char* name = "job";
};

using job_ptr = job_actor::stateful_pointer<job_state>;

// ---- helpers ------------------------------------------------------------------

void apply_spec(job_ptr self, JobSpec spec) {
  auto& st = self->state;
  if (st.svc.log_writer && !st.spec.log_file.empty() && st.spec.log_file != spec.log_file)
    self->send(st.svc.log_writer, close_atom::value, st.spec.log_file);
  st.spec = std::move(spec);
  st.policy = RestartPolicy(restart_settings(st.spec));
  st.journal.resize(st.spec.log_lines, st.spec.history);
}

// Sends lines to the job's log file, within its budget (LogFileBudget).
void to_log_file(job_ptr self, const std::vector<LogEntry>& lines) {
  auto& st = self->state;
  if (st.spec.log_file.empty() || !st.svc.log_writer) return;
  auto batch = st.log_file.admit(lines, WallClock::now());
  if (!batch) return;
  auto done = [=](auto&&...) { self->state.log_file.written(batch->bytes); };
  self->request(st.svc.log_writer, caf::infinite, write_atom::value,
                LogFileBatch{LogFileTarget{st.spec.log_file, st.spec.log_max_size, st.spec.log_keep},
                             std::move(batch->lines)})
      .then([=](bool) { done(); }, [=](caf::error&) { done(); });
}

std::optional<int> current_pid(const job_state& st) {
  if (st.run && st.run->pid > 0) return st.run->pid;  // none while it is being spawned
  return std::nullopt;
}

bool is_current(const job_state& st, uint64_t run) { return st.run && st.run->number == run; }

// Moves the state machine and tells the world. A refused transition changes
// nothing and is only logged at debug level.
void set_state(job_ptr self, State to, const std::string& reason) {
  auto& st = self->state;
  State from = st.sm.state();
  if (!st.sm.transition(to)) {
    log_debug(st.spec.id, fmt::format("refused transition {} -> {}", to_string(from), to_string(to)));
    return;
  }
  st.since = Clock::now();
  st.since_wall = WallClock::now();
  emit(st.svc.events, state_event(st.spec.id, from, to, st.run_counter, current_pid(st), reason));
  log_info(st.spec.id, fmt::format("{} -> {}{}{}", to_string(from), to_string(to),
                                   reason.empty() ? "" : ": ", reason));
}

void schedule_reconnect(job_ptr self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  uint64_t gen = st.reconnect.arm(Clock::now() + delay);
  log_info(st.spec.id, "restart in " + format_duration(delay));
  if (delay.count() == 0) self->send(self, reconnect_atom::value, gen);  // no detour over the clock
  else self->delayed_send(self, delay, reconnect_atom::value, gen);
}

void arm_timeout(job_ptr self) {
  auto& st = self->state;
  if (st.spec.timeout.count() <= 0 || st.timeout.due) return;
  uint64_t gen = st.timeout.arm(Clock::now() + st.spec.timeout);
  self->delayed_send(self, st.spec.timeout, timeout_atom::value, gen);
}

std::vector<std::string> child_environment(const JobSpec& spec) {
  std::map<std::string, std::string> env;
  for (auto& name : spec.inherit_env)
    if (const char* value = std::getenv(name.c_str())) env[name] = value;
  for (auto& kv : spec.env) env[kv.first] = kv.second;  // the job's own values win
  std::vector<std::string> out;
  out.reserve(env.size());
  for (auto& kv : env) out.push_back(kv.first + "=" + kv.second);
  return out;
}

// ---- a run: start, stop, end ----------------------------------------------------

void after_run(job_ptr self, State ended_in, bool reconnect_allowed, bool limit_kill,
               std::chrono::milliseconds runtime);

// The run's actors, then the spawn request to the reactor (which answers
// with Spawned, see run_spawned). The reactor's id of the child is reserved
// first, so the reader and the waiter know it from their start; commands for
// a child still being spawned are kept by the reactor until it runs.
Run request_child(job_ptr self) {
  auto& st = self->state;
  Reactor* reactor = st.svc.reactor;
  job_actor me{self};
  Run run;
  run.number = st.run_counter;
  run.started = Clock::now();
  run.started_wall = WallClock::now();
  ChildId id = reactor->reserve_id();
  run.waiter = spawn_waiter(self, WaiterArgs{me, run.number, reactor, id, st.spec.stop_timeout});
  auto notify_every = stale_notify_interval(st.spec.stale_timeout);
  if (st.spec.stale_timeout.count() > 0)
    run.staler = spawn_staler(self, StalerArgs{me, run.number, st.spec.stale_timeout, notify_every});
  run.reader = spawn_reader(self, ReaderArgs{me, run.number, run.waiter, run.staler, notify_every, reactor, id,
                                             st.journal.last_line()});

  // From here on the reactor feeds the reader; the waiter owns the process.
  reader_actor reader = run.reader;
  ChildSink sink;
  sink.on_output = [reader](std::string chunk, bool ack) {
    caf::anon_send(reader, StderrChunk{std::move(chunk), ack});
  };
  sink.on_exit = [reader](ExitStatus status) { caf::anon_send(reader, exited_atom::value, status); };
  sink.on_spawned = [me, number = run.number](pid_t pid, std::string error) {
    caf::anon_send(me, Spawned{number, static_cast<int32_t>(pid), std::move(error)});
  };
  reactor->spawn(id, SpawnRequest{st.spec.binary, st.spec.args, child_environment(st.spec), st.spec.cwd},
                 std::move(sink));
  return run;
}

// The process could not be started (missing binary, bad cwd, ...): a run
// that failed at once, reported and restarted like any other.
void fail_start(job_ptr self, const std::string& error) {
  auto& st = self->state;
  auto now = WallClock::now();
  to_log_file(self, {LogEntry{now, error}});
  st.journal.failed_start(error, now);
  set_state(self, State::failed, error);
  emit(st.svc.events, exit_event(st.spec.id, st.run_counter, std::nullopt, nullptr, State::failed, 0, error));
  after_run(self, State::failed, true, false, std::chrono::milliseconds(0));
}

// starting -> spawn requested; Spawned then makes it running, or failed.
void start_run(job_ptr self) {
  auto& st = self->state;
  if (is_running(st.sm.state())) return;
  st.reconnect.cancel();
  ++st.run_counter;
  set_state(self, State::starting, "");
  if (auto& last = st.journal.last_progress()) st.frames_of_past_runs += static_cast<uint64_t>(std::max<int64_t>(last->frame, 0));
  st.cpu_sampled_at.reset();
  st.journal.run_started(st.run_counter, WallClock::now());
  st.run = request_child(self);
}

// The reactor's answer to start_run's request.
void run_spawned(job_ptr self, const Spawned& spawned) {
  auto& st = self->state;
  Run& run = *st.run;
  if (spawned.pid <= 0) {
    // Nothing ran: the run's actors go, the run is a failed start.
    for (auto child : {caf::actor_cast<caf::actor>(run.reader), caf::actor_cast<caf::actor>(run.waiter),
                       caf::actor_cast<caf::actor>(run.staler)}) {
      if (!child) continue;
      self->unlink_from(child);
      self->send_exit(child, caf::exit_reason::user_shutdown);
    }
    st.run.reset();
    for (auto& waiter : st.stop_waiters) waiter.deliver(CommandResult{true, "stopped"});
    st.stop_waiters.clear();
    fail_start(self, spawned.error);
    return;
  }
  run.pid = spawned.pid;
  run.started = Clock::now();
  run.limiter = spawn_limiter(self, LimiterArgs{job_actor{self}, run.number, st.spec.limits, st.svc.sampler, run.pid});
  arm_timeout(self);
  // A stop may have come while it was being spawned: then it is finishing.
  if (st.sm.state() == State::starting) set_state(self, State::running, "");
}

// ffleet ends the run: SIGINT now and SIGKILL after stop_timeout, or SIGKILL
// now. A run already being stopped keeps its first reason.
void stop_run(job_ptr self, const std::string& reason, StopMode mode = StopMode::graceful) {
  auto& st = self->state;
  if (!st.run) return;
  if (st.sm.state() != State::finishing) {
    st.run->stop_reason = reason;
    set_state(self, State::finishing, reason);
    if (mode == StopMode::graceful) self->send(st.run->waiter, sigint_atom::value);
  }
  if (mode == StopMode::immediate) self->send(st.run->waiter, sigkill_atom::value);
}

void end_children(job_ptr self, Run& run) {
  // The reader and the waiter quit by themselves at the exit; the staler and
  // the limiter are told to. Unlink first: their end is no error of ours.
  for (auto child : {caf::actor_cast<caf::actor>(run.staler), caf::actor_cast<caf::actor>(run.limiter)}) {
    if (!child) continue;
    self->unlink_from(child);
    self->send_exit(child, caf::exit_reason::user_shutdown);
  }
}

std::string end_reason(const Run& run, const ExitClass& cls, Forced forced, std::chrono::milliseconds stop_timeout) {
  std::string reason = run.stop_reason.empty() ? cls.reason : run.stop_reason;
  if (forced == Forced::after_stop_timeout) reason += "; SIGKILL after stop_timeout " + format_duration(stop_timeout);
  if (forced == Forced::at_once) reason += "; SIGKILL at once";
  return reason;
}

void finish_run(job_ptr self, const RunEnd& end) {
  auto& st = self->state;
  Run& run = *st.run;
  auto now = Clock::now();
  ExitClass cls = classify_exit(end.status);
  std::string reason = end_reason(run, cls, end.forced, st.spec.stop_timeout);
  auto wall = WallClock::now();
  // The reason of every stop ffleet made is the run's last line, in the file too.
  if (!run.stop_reason.empty()) to_log_file(self, {LogEntry{wall, "ffleet: " + reason}});
  st.journal.run_ended(RunOutcome{cls.state, end.status, reason, !run.stop_reason.empty(), run.usage}, wall);
  set_state(self, cls.state, reason);
  emit(st.svc.events, exit_event(st.spec.id, run.number, run.pid, &end.status, cls.state,
                                 seconds_between(run.started, now), reason));

  end_children(self, run);
  bool limit_kill = run.limit_kill;
  auto runtime = std::chrono::duration_cast<std::chrono::milliseconds>(now - run.started);
  st.run.reset();
  st.cpu = 0;  // no stale figures after the process is gone
  st.memory = 0;
  if (cls.state == State::finished) st.timeout.cancel();  // a clean finish resets the timeout
  for (auto& waiter : st.stop_waiters) waiter.deliver(CommandResult{true, "stopped"});
  st.stop_waiters.clear();
  after_run(self, cls.state, cls.reconnect_allowed, limit_kill, runtime);
}

void give_up(job_ptr self, const RestartPolicy::Decision& decision, State ended_in) {
  auto& st = self->state;
  st.order = Order::stop;
  st.gave_up = fmt::format("max_restarts reached: {} restarts within {} (last run {})", decision.restarts_in_window,
                           format_duration(st.spec.restart_window), to_string(ended_in));
  double window_s = std::chrono::duration<double>(st.spec.restart_window).count();
  emit(st.svc.events, gave_up_event(st.spec.id, decision.restarts_in_window, window_s, st.gave_up));
  log_warn(st.spec.id, "gave up: " + st.gave_up);
}

// What follows the end of a run: quit, a new definition, an operator
// restart, an automatic restart, or giving up.
void after_run(job_ptr self, State ended_in, bool reconnect_allowed, bool limit_kill,
               std::chrono::milliseconds runtime) {
  auto& st = self->state;
  if (st.quitting) return self->quit();
  if (st.pending_spec) {
    apply_spec(self, std::move(*st.pending_spec));
    st.pending_spec.reset();
    st.order = st.spec.autostart ? Order::start : Order::stop;
    if (st.order == Order::start) start_run(self);
    return;
  }
  if (st.restart_pending) {
    st.restart_pending = false;
    return start_run(self);
  }
  if (st.order != Order::start || !st.spec.reconnect || !reconnect_allowed) return;
  auto decision = st.policy.next(Clock::now(), runtime, limit_kill);
  if (decision.give_up) return give_up(self, decision, ended_in);
  ++st.restarts;
  schedule_reconnect(self, decision.delay);
}

JobStatus build_status(job_ptr self, LiveOutput output) {
  auto& st = self->state;
  auto now = Clock::now();
  JobStatus s;
  s.id = st.spec.id;
  s.state = st.sm.state();
  s.order = st.order;
  s.pid = current_pid(st);
  s.run = st.run_counter;
  s.since = st.since_wall;
  s.duration_s = seconds_between(st.since, now);
  s.states = st.sm.counters();
  if (st.reconnect.due && st.order == Order::start && !st.run)
    s.reconnect_in_s = std::max(0.0, seconds_between(now, *st.reconnect.due));
  s.gave_up = !st.gave_up.empty();
  s.gave_up_reason = st.gave_up;
  s.cpu_percent = st.cpu;
  s.memory_bytes = st.memory;
  s.progress = std::move(output.progress);
  s.last_line = std::move(output.last_line);
  s.uptime_s = st.run ? seconds_between(st.run->started, now) : 0;
  s.restarts = st.restarts;
  s.stale_kills = st.stale_kills;
  s.limit_kills = st.limit_kills;
  s.cpu_seconds_total = st.cpu_seconds;
  // The frames of the past runs plus those of the progress shown (the
  // current run's, or the last run's when none runs).
  s.frames_total = st.frames_of_past_runs + (s.progress ? static_cast<uint64_t>(std::max<int64_t>(s.progress->frame, 0)) : 0);
  if (st.run) s.process_started = st.run->started_wall;
  if (auto* last = st.journal.last_report()) {
    s.exit_code = last->exit_code;
    s.exit_signal = last->signal;
  }
  s.log_file_dropped_lines = st.log_file.dropped();
  return s;
}

LiveOutput between_runs(const job_state& st) {
  return LiveOutput{st.journal.last_progress(), st.journal.last_line()};
}

// ---- handlers: operator commands ----------------------------------------------

CommandResult on_start(job_ptr self) {
  auto& st = self->state;
  if (st.order == Order::start) return {true, "already started"};
  st.order = Order::start;
  st.gave_up.clear();
  st.policy.reset();
  start_run(self);
  return {true, "started"};
}

caf::result<CommandResult> on_stop(job_ptr self, ReplyWhen when) {
  auto& st = self->state;
  st.order = Order::stop;
  st.restart_pending = false;
  st.reconnect.cancel();
  if (!st.run) return CommandResult{true, "not running"};
  stop_run(self, "stopped by operator");
  if (when == ReplyWhen::signalled) return CommandResult{true, "stopping"};
  auto promise = self->make_response_promise<CommandResult>();
  st.stop_waiters.push_back(promise);
  return promise;
}

// `kill`: the process ends (gracefully), the order stays: it reconnects.
CommandResult on_kill(job_ptr self) {
  if (!self->state.run) return {true, "not running"};
  stop_run(self, "kill by operator: SIGINT, order kept");
  return {true, "killing"};
}

CommandResult on_restart(job_ptr self) {
  auto& st = self->state;
  st.order = Order::start;
  st.gave_up.clear();
  st.policy.reset();
  if (!st.run) {
    start_run(self);
    return {true, "started"};
  }
  st.restart_pending = true;
  stop_run(self, "restarted by operator");
  return {true, "restarting"};
}

// While a run lasts, progress and the last line live in its reader: ask it.
caf::result<JobStatus> on_status(job_ptr self) {
  auto& st = self->state;
  if (!st.run) return build_status(self, between_runs(st));
  auto promise = self->make_response_promise<JobStatus>();
  self->request(st.run->reader, std::chrono::seconds(5), live_atom::value)
      .then([=](LiveOutput& live) mutable { promise.deliver(build_status(self, std::move(live))); },
            [=](caf::error&) mutable { promise.deliver(build_status(self, between_runs(self->state))); });
  return promise;
}

// ---- handlers: from the supervisor ----------------------------------------------

// The supervisor sends a definition only when it differs from the current.
void on_update(job_ptr self, JobSpec& spec) {
  auto& st = self->state;
  if (st.run) {
    st.pending_spec = std::move(spec);
    stop_run(self, "definition changed by reload");
    return;
  }
  st.reconnect.cancel();
  apply_spec(self, std::move(spec));
  st.order = st.spec.autostart ? Order::start : Order::stop;
  if (st.order == Order::start) start_run(self);
}

void on_quit(job_ptr self, const QuitOrder& order) {
  auto& st = self->state;
  st.quitting = true;
  st.order = Order::stop;
  st.reconnect.cancel();
  if (!st.run) return self->quit();
  stop_run(self, order.reason, order.mode);
}

// ---- handlers: from the run's children and the timers --------------------------

void on_log_lines(job_ptr self, LogLines& batch) {
  if (!is_current(self->state, batch.run)) return;
  to_log_file(self, batch.lines);
  self->state.journal.add_lines(std::move(batch.lines));
}

void on_summary(job_ptr self, RunSummary& summary) {
  if (is_current(self->state, summary.run)) self->state.journal.add_summary(std::move(summary.output));
}

void on_spawned(job_ptr self, const Spawned& spawned) {
  if (is_current(self->state, spawned.run)) run_spawned(self, spawned);
}

void on_run_end(job_ptr self, const RunEnd& end) {
  if (is_current(self->state, end.run)) finish_run(self, end);
}

void on_stale(job_ptr self, const Stale& stale) {
  auto& st = self->state;
  if (!is_current(st, stale.run) || st.sm.state() != State::running) return;
  ++st.stale_kills;
  emit(st.svc.events, stale_event(st.spec.id, stale.run, current_pid(st), stale.idle_s));
  stop_run(self, "stale timeout after " + format_duration(st.spec.stale_timeout) + ", no progress");
}

void on_usage(job_ptr self, const RunUsage& usage) {
  auto& st = self->state;
  if (!is_current(st, usage.run)) return;
  auto now = Clock::now();
  if (st.cpu_sampled_at) st.cpu_seconds += usage.now.cpu_percent / 100 * seconds_between(*st.cpu_sampled_at, now);
  st.cpu_sampled_at = now;
  st.cpu = usage.now.cpu_percent;
  st.memory = usage.now.rss_bytes;
  st.run->usage = usage.so_far;
}

void on_limit(job_ptr self, const LimitExceeded& limit) {
  auto& st = self->state;
  if (!is_current(st, limit.run) || st.sm.state() != State::running) return;
  ++st.limit_kills;
  st.run->limit_kill = true;
  emit(st.svc.events, limit_event(st.spec.id, limit.run, current_pid(st), limit.resource, limit.value, limit.limit));
  stop_run(self, limit.reason);
}

void on_reconnect_due(job_ptr self, uint64_t gen) {
  auto& st = self->state;
  if (st.reconnect.fires(gen) && st.order == Order::start) start_run(self);
}

void on_timeout_due(job_ptr self, uint64_t gen) {
  auto& st = self->state;
  if (!st.timeout.fires(gen) || !st.run || st.sm.state() != State::running) return;
  double after_s = std::chrono::duration<double>(st.spec.timeout).count();
  emit(st.svc.events, timeout_event(st.spec.id, st.run->number, current_pid(st), after_s));
  stop_run(self, "timeout after " + format_duration(st.spec.timeout));
}

// ---- the actor --------------------------------------------------------------------

// A bug in this actor must not leave a process running unsupervised: kill
// the current one before dying; the supervisor then restarts the job.
caf::error on_exception(job_ptr self, std::exception_ptr& ep) {
  auto& st = self->state;
  std::string what = exception_text(ep, "unknown exception");
  log_error(st.spec.id, "job actor crashed: " + what);
  if (st.run) self->send(st.run->waiter, sigkill_atom::value);
  return caf::make_error(caf::sec::runtime_error, what);
}

job_actor::behavior_type job_impl(job_ptr self, JobSpec spec, Services svc) {
  self->state.svc = svc;
  apply_spec(self, std::move(spec));
  self->set_exception_handler([=](caf::scheduled_actor*, std::exception_ptr& ep) { return on_exception(self, ep); });
  // Run children end normally or by our user_shutdown; anything else is a
  // bug in them: die too, so the supervisor restarts the whole job.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (msg.reason && msg.reason != caf::exit_reason::user_shutdown) self->quit(msg.reason);
  });
  if (self->state.spec.autostart) {
    self->state.order = Order::start;
    start_run(self);
  }
  return {
      [=](start_atom) { return on_start(self); },
      [=](stop_atom, ReplyWhen when) { return on_stop(self, when); },
      [=](kill_atom) { return on_kill(self); },
      [=](restart_atom) { return on_restart(self); },
      [=](status_atom) { return on_status(self); },
      [=](logs_atom, uint32_t n) { return self->state.journal.tail(n); },
      [=](logs_atom, uint32_t n, uint64_t after) { return self->state.journal.tail_after(after, n); },
      [=](report_atom) { return self->state.journal.reports(); },
      [=](crash_atom) { throw std::runtime_error("crash requested (fault injection)"); },
      [=](update_atom, JobSpec& spec) { on_update(self, spec); },
      [=](quit_atom, const QuitOrder& order) { on_quit(self, order); },
      [=](const Spawned& spawned) { on_spawned(self, spawned); },
      [=](LogLines& batch) { on_log_lines(self, batch); },
      [=](RunSummary& summary) { on_summary(self, summary); },
      [=](const RunEnd& end) { on_run_end(self, end); },
      [=](const Stale& stale) { on_stale(self, stale); },
      [=](const RunUsage& usage) { on_usage(self, usage); },
      [=](const LimitExceeded& limit) { on_limit(self, limit); },
      [=](reconnect_atom, uint64_t gen) { on_reconnect_due(self, gen); },
      [=](timeout_atom, uint64_t gen) { on_timeout_due(self, gen); },
  };
}

}  // namespace

job_actor spawn_job(caf::actor_system& sys, JobSpec spec, Services services) {
  return sys.spawn(job_impl, std::move(spec), std::move(services));
}

}  // namespace ffleet

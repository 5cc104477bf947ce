#include "actors/job.hpp"

#include <algorithm>
#include <cstdlib>

#include "actors/events.hpp"
#include "actors/limiter.hpp"
#include "actors/reader.hpp"
#include "actors/staler.hpp"
#include "actors/waiter.hpp"
#include "config/values.hpp"
#include "src/job/exit_classification.hpp"
#include "src/util/logging.hpp"
#include "src/job/restart_policy.hpp"
#include "src/process/spawn.hpp"

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// One run of the process, from spawn to exit.
struct Run {
  uint64_t number = 0;
  int pid = -1;
  reader_actor reader;
  waiter_actor waiter;
  staler_actor staler;
  limiter_actor limiter;
  Clock::time_point started;
  WallClock::time_point started_wall;
  std::string stop_reason;  // set when ffleet stopped the run (operator, stale, limit, ...)
  bool limit_kill = false;
  size_t lines = 0;         // log lines of this run (the ring may hold older ones too)
  std::vector<std::string> prelude;
  LevelCounts levels;
  ResourceStats usage;      // from the limiter, for the run report
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
  LogRing log{100};
  ReportHistory history{5};
  std::optional<Progress> progress;
  std::string last_line;
  double cpu = 0;
  uint64_t memory = 0;
  RestartPolicy policy{RestartSettings{}};
  // Timers cannot be cancelled in CAF 0.17: each arming bumps a generation
  // and a timer message of an older generation is ignored.
  uint64_t reconnect_gen = 0;
  std::optional<Clock::time_point> reconnect_at;
  uint64_t timeout_gen = 0;
  bool timeout_armed = false;
  bool gave_up = false;
  uint64_t restarts = 0, stale_kills = 0, limit_kills = 0;
  std::vector<caf::typed_response_promise<CommandResult>> stop_waiters;
  bool restart_pending = false;          // `restart`: start again right after the exit
  std::optional<JobSpec> pending_spec;   // reload: apply after the exit
  bool quitting = false;                 // shutdown or removal: quit after the exit
  static inline const char* name = "job";
};

using job_ptr = job_actor::stateful_pointer<job_state>;

RestartSettings restart_settings(const JobSpec& spec) {
  RestartSettings r;
  r.reconnect_delay = spec.reconnect_delay;
  r.backoff = spec.backoff.has_value();
  if (spec.backoff) {
    r.backoff_max = spec.backoff->max;
    r.backoff_factor = spec.backoff->factor;
    r.backoff_reset_after = spec.backoff->reset_after;
    r.backoff_jitter = spec.backoff->jitter;
  }
  r.max_restarts = spec.max_restarts;
  r.restart_window = spec.restart_window;
  return r;
}

void apply_spec(job_ptr self, JobSpec spec) {
  auto& st = self->state;
  st.spec = std::move(spec);
  st.policy = RestartPolicy(restart_settings(st.spec));
  LogRing ring(std::max<size_t>(st.spec.log_lines, 1));
  for (auto& e : st.log.tail(st.log.size())) ring.push(e);
  st.log = std::move(ring);
  ReportHistory history(std::max<size_t>(st.spec.history, 1));
  for (auto& r : st.history.reports()) history.push(r);
  st.history = std::move(history);
}

std::optional<int> current_pid(const job_state& st) {
  if (st.run) return st.run->pid;
  return std::nullopt;
}

// Moves the state machine and tells the world. Refused transitions change
// nothing (as in the seed) and are only logged at debug level.
bool set_state(job_ptr self, State to, const std::string& reason) {
  auto& st = self->state;
  State from = st.sm.state();
  if (!st.sm.transition(to)) {
    log_debug(st.spec.id, fmt::format("refused transition {} -> {}", to_string(from), to_string(to)));
    return false;
  }
  st.since = Clock::now();
  st.since_wall = WallClock::now();
  emit(st.svc.events, state_event(st.spec.id, from, to, st.run_counter, current_pid(st), reason));
  log_info(st.spec.id, fmt::format("{} -> {}{}{}", to_string(from), to_string(to),
                                   reason.empty() ? "" : ": ", reason));
  return true;
}

void cancel_reconnect(job_ptr self) {
  ++self->state.reconnect_gen;
  self->state.reconnect_at.reset();
}

void schedule_reconnect(job_ptr self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  uint64_t gen = ++st.reconnect_gen;
  st.reconnect_at = Clock::now() + delay;
  log_info(st.spec.id, "restart in " + format_duration(delay));
  if (delay.count() == 0) self->send(self, reconnect_atom::value, gen);  // no detour over the clock
  else self->delayed_send(self, delay, reconnect_atom::value, gen);
}

void arm_timeout(job_ptr self) {
  auto& st = self->state;
  if (st.spec.timeout.count() <= 0 || st.timeout_armed) return;
  st.timeout_armed = true;
  self->delayed_send(self, st.spec.timeout, timeout_atom::value, ++st.timeout_gen);
}

void clear_timeout(job_ptr self) {
  ++self->state.timeout_gen;
  self->state.timeout_armed = false;
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

void finish_failed_start(job_ptr self, const std::string& error);
void after_run(job_ptr self, State ended_in, bool reconnect_allowed, bool limit_kill,
               std::chrono::milliseconds runtime);

// starting -> spawn -> running, or starting -> failed.
void start_run(job_ptr self) {
  auto& st = self->state;
  if (is_running(st.sm.state())) return;
  cancel_reconnect(self);
  ++st.run_counter;
  st.progress.reset();
  set_state(self, State::starting, "");

  const char* path_env = std::getenv("PATH");
  SpawnRequest req;
  req.binary = resolve_binary(st.spec.binary, path_env ? path_env : "").value_or(st.spec.binary);
  req.args = st.spec.args;
  req.env = child_environment(st.spec);
  req.cwd = st.spec.cwd;
  auto spawned = spawn_child(req);
  if (!spawned.child) {
    finish_failed_start(self, spawned.error);
    return;
  }

  Run run;
  run.number = st.run_counter;
  run.pid = spawned.child->pid;
  run.started = Clock::now();
  run.started_wall = WallClock::now();
  job_actor me{self};
  run.waiter = spawn_waiter(self, WaiterArgs{me, run.number, st.svc.reactor, st.spec.stop_timeout});
  auto notify_every = stale_notify_interval(st.spec.stale_timeout);
  if (st.spec.stale_timeout.count() > 0)
    run.staler = spawn_staler(self, StalerArgs{me, run.number, st.spec.stale_timeout, notify_every});
  run.reader = spawn_reader(self, ReaderArgs{me, run.number, run.waiter, run.staler, notify_every, st.svc.reactor});
  run.limiter = spawn_limiter(self, LimiterArgs{me, run.number, st.spec.limits, st.svc.sampler, run.pid});

  // From here on the reactor feeds the reader; the waiter owns the process.
  reader_actor reader = run.reader;
  ChildSink sink;
  sink.on_output = [reader](std::string chunk, bool ack) {
    caf::anon_send(reader, output_atom::value, std::move(chunk), ack);
  };
  sink.on_exit = [reader](ExitStatus status) { caf::anon_send(reader, exit_atom::value, status); };
  ChildId id = st.svc.reactor->adopt(*spawned.child, std::move(sink));
  self->send(run.waiter, register_atom::value, id);
  self->send(run.reader, register_atom::value, id);

  st.run = std::move(run);
  arm_timeout(self);
  set_state(self, State::running, "");
}

// The process could not be started (missing binary, ...): a run that failed
// at once. Saved in the history like any other run.
void finish_failed_start(job_ptr self, const std::string& error) {
  auto& st = self->state;
  auto wall = WallClock::now();
  st.log.push(LogEntry{wall, error});
  st.last_line = error;
  set_state(self, State::failed, error);
  RunReport report;
  report.run = st.run_counter;
  report.started = wall;
  report.ended = wall;
  report.exit_state = "failed";
  report.reason = error;
  report.log = {LogEntry{wall, error}};
  st.history.push(std::move(report));
  emit(st.svc.events, exit_event(st.spec.id, st.run_counter, std::nullopt, nullptr, State::failed, 0, error));
  after_run(self, State::failed, true, false, std::chrono::milliseconds(0));
}

// ffleet asks the run to end: SIGINT now, SIGKILL after stop_timeout (or now).
void begin_stop(job_ptr self, const std::string& reason, bool kill_now = false) {
  auto& st = self->state;
  if (!st.run) return;
  if (st.sm.state() == State::finishing) {
    if (kill_now) self->send(st.run->waiter, kill_atom::value);
    return;
  }
  st.run->stop_reason = reason;
  set_state(self, State::finishing, reason);
  if (kill_now) self->send(st.run->waiter, kill_atom::value);
  else self->send(st.run->waiter, stop_atom::value);
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

void finish_run(job_ptr self, const RunEnd& end) {
  auto& st = self->state;
  Run& run = *st.run;
  auto now = Clock::now();
  auto wall = WallClock::now();
  ExitClass cls = classify_exit(end.status);
  std::string reason = run.stop_reason.empty() ? cls.reason : run.stop_reason;
  if (end.escalated) reason += "; SIGKILL after stop_timeout " + format_duration(st.spec.stop_timeout);
  if (!run.stop_reason.empty()) {
    // The reason of every stop or kill is the last line of the run's log.
    st.log.push(LogEntry{wall, "ffleet: " + reason});
    ++run.lines;
  }
  double runtime_s = seconds_between(run.started, now);
  set_state(self, cls.state, reason);

  RunReport report;
  report.run = run.number;
  report.started = run.started_wall;
  report.ended = wall;
  report.exit_state = std::string(to_string(cls.state));
  if (end.status.signal != 0) report.signal = end.status.signal;
  else report.exit_code = end.status.code;
  report.reason = reason;
  report.last_progress = st.progress;
  report.prelude = std::move(run.prelude);
  report.log = st.log.tail(std::min(run.lines, st.log.size()));
  report.levels = run.levels;
  report.usage = run.usage;
  st.history.push(std::move(report));
  emit(st.svc.events, exit_event(st.spec.id, run.number, run.pid, &end.status, cls.state, runtime_s, reason));

  end_children(self, run);
  bool limit_kill = run.limit_kill;
  auto runtime = std::chrono::duration_cast<std::chrono::milliseconds>(now - run.started);
  st.run.reset();
  st.cpu = 0;       // no stale figures after the process is gone
  st.memory = 0;
  if (cls.state == State::finished) clear_timeout(self);  // a clean finish resets the timeout
  for (auto& waiter : st.stop_waiters) waiter.deliver(CommandResult{true, "stopped"});
  st.stop_waiters.clear();
  after_run(self, cls.state, cls.reconnect_allowed, limit_kill, runtime);
}

// What follows the end of a run: quit, a new definition, an operator
// restart, an automatic restart, or giving up.
void after_run(job_ptr self, State ended_in, bool reconnect_allowed, bool limit_kill,
               std::chrono::milliseconds runtime) {
  auto& st = self->state;
  if (st.quitting) {
    self->quit();
    return;
  }
  if (st.pending_spec) {
    apply_spec(self, std::move(*st.pending_spec));
    st.pending_spec.reset();
    st.order = st.spec.autostart ? Order::start : Order::stop;
    if (st.order == Order::start) start_run(self);
    return;
  }
  if (st.restart_pending) {
    st.restart_pending = false;
    start_run(self);
    return;
  }
  if (st.order != Order::start || !st.spec.reconnect || !reconnect_allowed) return;
  auto decision = st.policy.next(Clock::now(), runtime, limit_kill);
  if (decision.give_up) {
    st.gave_up = true;
    st.order = Order::stop;
    double window_s = std::chrono::duration<double>(st.spec.restart_window).count();
    emit(st.svc.events, gave_up_event(st.spec.id, decision.restarts_in_window, window_s));
    log_warn(st.spec.id, fmt::format("gave up after {} restarts within {} (last run {})",
                                     decision.restarts_in_window, format_duration(st.spec.restart_window),
                                     to_string(ended_in)));
    return;
  }
  ++st.restarts;
  schedule_reconnect(self, decision.delay);
}

JobStatus build_status(job_ptr self) {
  auto& st = self->state;
  auto now = Clock::now();
  JobStatus s;
  s.id = st.spec.id;
  s.binary = st.spec.binary;
  s.state = st.sm.state();
  s.order = st.order;
  s.pid = current_pid(st);
  s.run = st.run_counter;
  s.since = st.since_wall;
  s.duration_s = seconds_between(st.since, now);
  s.states = st.sm.counters();
  if (st.reconnect_at && st.order == Order::start && !st.run)
    s.reconnect_in_s = std::max(0.0, seconds_between(now, *st.reconnect_at));
  s.gave_up = st.gave_up;
  s.cpu_percent = st.cpu;
  s.memory_bytes = st.memory;
  s.progress = st.progress;
  s.last_line = st.last_line;
  s.uptime_s = st.run ? seconds_between(st.run->started, now) : 0;
  s.restarts = st.restarts;
  s.stale_kills = st.stale_kills;
  s.limit_kills = st.limit_kills;
  return s;
}

bool current_run(const job_state& st, uint64_t run) { return st.run && st.run->number == run; }

job_actor::behavior_type job_impl(job_ptr self, JobSpec spec, Services svc) {
  self->state.svc = svc;
  apply_spec(self, std::move(spec));

  // A bug in this actor must not leave a process running unsupervised: kill
  // the current one before dying; the supervisor then restarts the job.
  self->set_exception_handler([=](caf::scheduled_actor*, std::exception_ptr& ep) -> caf::error {
    auto& st = self->state;
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log_error(st.spec.id, "job actor crashed: " + what);
    if (st.run) self->send(st.run->waiter, kill_atom::value);
    return caf::make_error(caf::sec::runtime_error, what);
  });
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
      [=](start_atom) -> CommandResult {
        auto& st = self->state;
        if (st.order == Order::start) return {true, "already started"};
        st.order = Order::start;
        st.gave_up = false;
        st.policy.reset();
        start_run(self);
        return {true, "started"};
      },
      [=](stop_atom, bool wait) -> caf::result<CommandResult> {
        auto& st = self->state;
        st.order = Order::stop;
        st.restart_pending = false;
        cancel_reconnect(self);
        if (!st.run) return CommandResult{true, "not running"};
        begin_stop(self, "stopped by operator");
        if (!wait) return CommandResult{true, "stopping"};
        auto promise = self->make_response_promise<CommandResult>();
        st.stop_waiters.push_back(promise);
        return promise;
      },
      [=](kill_atom) -> CommandResult {
        if (!self->state.run) return {true, "not running"};
        begin_stop(self, "killed by operator");
        return {true, "killing"};
      },
      [=](restart_atom) -> CommandResult {
        auto& st = self->state;
        st.order = Order::start;
        st.gave_up = false;
        st.policy.reset();
        if (st.run) {
          st.restart_pending = true;
          begin_stop(self, "restarted by operator");
          return {true, "restarting"};
        }
        start_run(self);
        return {true, "started"};
      },
      [=](status_atom) -> caf::result<JobStatus> {
        auto& st = self->state;
        if (!st.run) return build_status(self);
        // Progress lives in the reader while the run lasts: ask it.
        auto promise = self->make_response_promise<JobStatus>();
        self->request(st.run->reader, std::chrono::seconds(5), status_atom::value)
            .then(
                [=](ReaderSnapshot& snap) mutable {
                  auto s = build_status(self);
                  s.progress = std::move(snap.progress);
                  if (!snap.last_line.empty()) s.last_line = std::move(snap.last_line);
                  promise.deliver(std::move(s));
                },
                [=](caf::error&) mutable { promise.deliver(build_status(self)); });  // the run just ended
        return promise;
      },
      [=](logs_atom, uint32_t n) { return self->state.log.tail(n); },
      [=](report_atom) {
        auto& h = self->state.history.reports();
        return std::vector<RunReport>(h.begin(), h.end());
      },
      [=](update_atom, JobSpec& spec) -> bool {
        auto& st = self->state;
        if (spec == st.spec) return false;
        if (st.run) {
          st.pending_spec = std::move(spec);
          begin_stop(self, "definition changed by reload");
          return true;
        }
        cancel_reconnect(self);
        apply_spec(self, std::move(spec));
        st.order = st.spec.autostart ? Order::start : Order::stop;
        if (st.order == Order::start) start_run(self);
        return true;
      },
      [=](shutdown_atom, bool immediate, const std::string& reason) {
        auto& st = self->state;
        st.quitting = true;
        st.order = Order::stop;
        cancel_reconnect(self);
        if (!st.run) {
          self->quit();
          return;
        }
        begin_stop(self, reason, immediate);
      },
      [=](crash_atom) { throw std::runtime_error("crash requested (fault injection)"); },
      [=](output_atom, uint64_t run, OutputBatch& batch) {
        auto& st = self->state;
        if (!current_run(st, run)) return;
        for (auto& line : batch.lines) st.log.push(std::move(line));
        st.run->lines += batch.lines.size();
        if (!batch.lines.empty()) st.last_line = batch.lines.back().text;
        if (batch.final) {
          st.progress = std::move(batch.progress);
          if (!batch.last_line.empty()) st.last_line = std::move(batch.last_line);
          st.run->prelude = std::move(batch.prelude);
          st.run->levels = batch.levels;
        }
      },
      [=](exit_atom, uint64_t run, const RunEnd& end) {
        if (current_run(self->state, run)) finish_run(self, end);
      },
      [=](stale_atom, uint64_t run, double idle_s) {
        auto& st = self->state;
        if (!current_run(st, run) || st.sm.state() != State::running) return;
        ++st.stale_kills;
        emit(st.svc.events, stale_event(st.spec.id, run, current_pid(st), idle_s));
        begin_stop(self, "stale timeout after " + format_duration(st.spec.stale_timeout) + ", no progress");
      },
      [=](usage_atom, uint64_t run, double cpu, uint64_t rss, const ResourceStats& stats) {
        auto& st = self->state;
        if (!current_run(st, run)) return;
        st.cpu = cpu;
        st.memory = rss;
        st.run->usage = stats;
      },
      [=](limit_atom, uint64_t run, const std::string& resource, double value, double limit) {
        auto& st = self->state;
        if (!current_run(st, run) || st.sm.state() != State::running) return;
        ++st.limit_kills;
        st.run->limit_kill = true;
        emit(st.svc.events, limit_event(st.spec.id, run, current_pid(st), resource, value, limit));
        std::string what = resource == "cpu"
                               ? fmt::format("cpu {:.1f}% over limit {:.1f}%", value, limit)
                               : fmt::format("memory {:.0f} bytes over limit {:.0f} bytes", value, limit);
        begin_stop(self, "limit exceeded: " + what + " for " + format_duration(st.spec.limits.duration));
      },
      [=](reconnect_atom, uint64_t gen) {
        auto& st = self->state;
        if (gen != st.reconnect_gen || st.order != Order::start) return;
        st.reconnect_at.reset();
        start_run(self);
      },
      [=](timeout_atom, uint64_t gen) {
        auto& st = self->state;
        if (gen != st.timeout_gen) return;
        st.timeout_armed = false;
        if (!st.run || st.sm.state() != State::running) return;
        double after_s = std::chrono::duration<double>(st.spec.timeout).count();
        emit(st.svc.events, timeout_event(st.spec.id, st.run->number, current_pid(st), after_s));
        begin_stop(self, "timeout after " + format_duration(st.spec.timeout));
      },
  };
}

}  // namespace

job_actor spawn_job(caf::actor_system& sys, JobSpec spec, Services services) {
  return sys.spawn(job_impl, std::move(spec), std::move(services));
}

}  // namespace ffleet

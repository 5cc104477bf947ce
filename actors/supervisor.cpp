#include "actors/supervisor.hpp"

#include <algorithm>
#include <csignal>
#include <deque>
#include <map>
#include <memory>

#include "actors/events.hpp"
#include "config/loader.hpp"
#include "config/values.hpp"
#include "src/util/logging.hpp"
#include "src/util/plural.hpp"

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto query_timeout = std::chrono::seconds(10);

struct JobEntry {
  JobSpec spec;
  job_actor actor;  // none once the supervisor gave up on it, or while it waits (below)
  std::deque<Clock::time_point> crashes;
  std::optional<JobStatus> given_up;  // what status shows after the supervisor gave up
  bool waits_for_predecessor = false;  // see add_job
};

struct supervisor_state {
  SupervisorArgs args;
  std::map<std::string, JobEntry> jobs;
  // Jobs told to go (removed by a reload, or all at shutdown) -> their id;
  // their normal exit is expected. A job actor ends only after its process
  // has, so while an id is here a process of that id may still run.
  std::map<caf::actor_addr, std::string> leaving;
  bool shutting_down = false;
  int shutdown_signals = 0;
  static inline const char* name = "supervisor";
};

using sup_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

bool is_leaving(const supervisor_state& st, const std::string& id) {
  for (auto& kv : st.leaving)
    if (kv.second == id) return true;
  return false;
}

// One process per id, always: a job whose id still has a process stopping
// (removed by a reload and added back before that process ended) gets its
// entry now but its actor only when the old one is gone (on_job_down).
void add_job(sup_ptr self, const JobSpec& spec) {
  auto& entry = self->state.jobs[spec.id];
  entry.spec = spec;
  entry.given_up.reset();
  entry.waits_for_predecessor = is_leaving(self->state, spec.id);
  if (entry.waits_for_predecessor) {
    log_info(spec.id, "waiting for the previous process of this id to end");
    entry.actor = nullptr;
    return;
  }
  entry.actor = spawn_job(self->system(), spec, self->state.args.services);
  self->monitor(entry.actor);
}

void let_go(sup_ptr self, const job_actor& actor, const std::string& id, StopMode mode,
            const std::string& reason) {
  self->state.leaving.emplace(actor.address(), id);
  self->send(actor, quit_atom::value, QuitOrder{mode, reason});
}

void maybe_finish_shutdown(sup_ptr self) {
  auto& st = self->state;
  if (!st.shutting_down || !st.jobs.empty()) return;
  emit(st.args.services.events, fleet_event("stopped"));
  log_info("", "fleet stopped");
  self->quit();
}

void begin_shutdown(sup_ptr self, StopMode mode) {
  auto& st = self->state;
  if (!st.shutting_down) {
    st.shutting_down = true;
    emit(st.args.services.events, fleet_event("stopping"));
    log_info("", "stopping " + count_of(st.jobs.size(), "job"));
  }
  if (mode == StopMode::immediate) log_warn("", "stopping now: SIGKILL to every job");
  for (auto i = st.jobs.begin(); i != st.jobs.end();) {
    if (i->second.actor) {
      let_go(self, i->second.actor, i->first, mode, "shutdown");
      ++i;
    } else {
      i = st.jobs.erase(i);  // given up or waiting: nothing runs
    }
  }
  maybe_finish_shutdown(self);
}

// Runs exactly the jobs of `fleet`: the difference by id (added, removed,
// changed), unchanged jobs untouched. `source` names it in the log.
ReloadResult apply_fleet(sup_ptr self, const FleetSpec& fleet, StopMode mode, const std::string& source) {
  auto& st = self->state;
  ReloadResult result;
  if (st.shutting_down) {
    result.errors.push_back("the fleet is shutting down");
    return result;
  }
  std::map<std::string, const JobSpec*> wanted;
  for (auto& spec : fleet.jobs) wanted[spec.id] = &spec;
  for (auto i = st.jobs.begin(); i != st.jobs.end();) {
    if (wanted.count(i->first) == 0) {
      result.removed.push_back(i->first);
      if (i->second.actor) let_go(self, i->second.actor, i->first, mode, "removed from the job file");
      else if (st.args.released && !is_leaving(st, i->first))
        self->send(st.args.released, released_atom::value, i->first);  // given up: nothing runs
      i = st.jobs.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& spec : fleet.jobs) {
    auto i = st.jobs.find(spec.id);
    if (i == st.jobs.end()) {
      result.added.push_back(spec.id);
      add_job(self, spec);
    } else if (i->second.spec != spec) {
      result.changed.push_back(spec.id);
      i->second.spec = spec;
      if (i->second.actor) self->send(i->second.actor, update_atom::value, spec);
      else add_job(self, spec);  // given up: a new definition gets a new job actor (waiting: still waits)
    }
  }
  result.ok = true;
  auto event = fleet_event("reloaded");
  event["added"] = result.added;
  event["removed"] = result.removed;
  event["changed"] = result.changed;
  emit(st.args.services.events, event);
  log_info("", fmt::format("reloaded {}: {} added, {} removed, {} changed", source, result.added.size(),
                           result.removed.size(), result.changed.size()));
  return result;
}

ReloadResult reload(sup_ptr self) {
  auto& st = self->state;
  if (st.shutting_down) return apply_fleet(self, {}, StopMode::graceful, st.args.path);  // refused, says why
  auto loaded = load_job_file(st.args.path);
  if (!loaded.ok()) {
    ReloadResult result;
    for (auto& e : loaded.errors) result.errors.push_back(e.to_string());
    log_error("", fmt::format("reload refused, the fleet is unchanged: {} error(s) in {}",
                              result.errors.size(), st.args.path));
    for (auto& e : result.errors) log_error("", e);
    return result;
  }
  return apply_fleet(self, *loaded.fleet, StopMode::graceful, st.args.path);
}

// The job actor crashed more than max_crashes times within crash_window (the
// restart intensity of OTP supervisors): it is not restarted, but stays
// visible in status, given up, until an operator starts it again or a reload
// changes its definition.
void give_up_on(sup_ptr self, JobEntry& entry, const caf::error& last) {
  auto& st = self->state;
  std::string reason = fmt::format("reached_max_restart_intensity: the job actor crashed {} times within {} ({})",
                                   entry.crashes.size(), format_duration(st.args.crash_window),
                                   caf::to_string(last));
  log_error(entry.spec.id, reason + "; not restarted");
  double window_s = std::chrono::duration<double>(st.args.crash_window).count();
  emit(st.args.services.events,
       gave_up_event(entry.spec.id, static_cast<uint32_t>(entry.crashes.size()), window_s, reason));
  JobStatus s;
  s.id = entry.spec.id;
  s.state = State::failed;
  s.order = Order::stop;
  s.since = std::chrono::system_clock::now();
  s.gave_up = true;
  s.gave_up_reason = reason;
  s.last_line = reason;
  entry.given_up = std::move(s);
  entry.actor = nullptr;
}

// A job actor died. Expected after shutdown/removal; otherwise a bug in it:
// restart it (its process was killed on the way down) unless it keeps dying.
void on_job_down(sup_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto is_source = [&](auto& kv) { return kv.second.actor && kv.second.actor.address() == dm.source; };
  auto leaving = st.leaving.find(dm.source);
  if (leaving != st.leaving.end()) {
    std::string id = leaving->second;
    st.leaving.erase(leaving);
    if (st.args.released && !is_leaving(st, id)) self->send(st.args.released, released_atom::value, id);
    auto i = std::find_if(st.jobs.begin(), st.jobs.end(), is_source);
    if (i != st.jobs.end()) st.jobs.erase(i);
    // Its process has ended: a job of the same id added meanwhile may start.
    auto waiting = st.jobs.find(id);
    if (waiting != st.jobs.end() && waiting->second.waits_for_predecessor && !st.shutting_down)
      add_job(self, waiting->second.spec);
    maybe_finish_shutdown(self);
    return;
  }
  auto i = std::find_if(st.jobs.begin(), st.jobs.end(), is_source);
  if (i == st.jobs.end()) return;
  JobEntry& entry = i->second;
  if (!dm.reason) {  // quit on its own without being asked: nothing to restart
    st.jobs.erase(i);
    maybe_finish_shutdown(self);
    return;
  }
  auto now = Clock::now();
  while (!entry.crashes.empty() && now - entry.crashes.front() > st.args.crash_window) entry.crashes.pop_front();
  entry.crashes.push_back(now);
  if (entry.crashes.size() > st.args.max_crashes) return give_up_on(self, entry, dm.reason);
  log_error(entry.spec.id, "job actor died (" + caf::to_string(dm.reason) + "); restarting it");
  add_job(self, entry.spec);
}

// The entry of a job, or nullptr when the id is unknown.
JobEntry* find_job(sup_ptr self, const std::string& id) {
  auto i = self->state.jobs.find(id);
  return i == self->state.jobs.end() ? nullptr : &i->second;
}

caf::error unknown_job(const std::string& id) {
  return make_error(errc::unknown_job, "unknown job \"" + id + "\"");
}

caf::error waits_for_predecessor(const JobEntry& entry) {
  return make_error(errc::refused, "job \"" + entry.spec.id + "\" waits for the previous process of its id to end "
                                   "(at most its stop_timeout); try again then");
}

// What status says of a job that waits for its predecessor: the previous
// process is still finishing; this job has none yet.
JobStatus waiting_status(const JobEntry& entry) {
  JobStatus s;
  s.id = entry.spec.id;
  s.state = State::finishing;
  s.order = entry.spec.autostart ? Order::start : Order::stop;
  s.since = std::chrono::system_clock::now();
  s.last_line = "ffleet: waiting for the previous process of this id to end";
  return s;
}

caf::error not_supervised(const JobEntry& entry) {
  return make_error(errc::refused, entry.spec.id + " is not supervised (" + entry.given_up->gave_up_reason +
                                       "); `start " + entry.spec.id + "` brings it back");
}

// Hands a request for one job to that job; the job's reply goes straight
// back to the requester.
template <class Reply, class... Ts>
caf::result<Reply> forward(sup_ptr self, const std::string& id, Ts... xs) {
  auto* job = find_job(self, id);
  if (!job) return unknown_job(id);
  if (!job->actor) return job->waits_for_predecessor ? waits_for_predecessor(*job) : not_supervised(*job);
  return self->delegate(job->actor, xs...);
}

caf::result<JobStatus> one_status(sup_ptr self, const std::string& id) {
  auto* job = find_job(self, id);
  if (job && job->given_up) return *job->given_up;
  if (job && job->waits_for_predecessor) return waiting_status(*job);
  return forward<JobStatus>(self, id, status_atom::value);
}

// `start` and `restart` bring a job the supervisor gave up on back first.
template <class Atom>
caf::result<CommandResult> start_command(sup_ptr self, Atom atom, const std::string& id) {
  auto* job = find_job(self, id);
  if (job && job->given_up) {
    log_info(id, "started again by operator after the supervisor gave up");
    job->crashes.clear();
    add_job(self, job->spec);
  }
  return forward<CommandResult>(self, id, atom);
}

// `stop` and `kill` of a job the supervisor gave up on: nothing runs.
template <class... Ts>
caf::result<CommandResult> stop_command(sup_ptr self, const std::string& id, Ts... xs) {
  auto* job = find_job(self, id);
  if (job && job->given_up) return CommandResult{true, "not running"};
  return forward<CommandResult>(self, id, xs...);
}

caf::result<std::vector<JobStatus>> all_status(sup_ptr self) {
  auto& jobs = self->state.jobs;
  if (jobs.empty()) return std::vector<JobStatus>{};
  struct Gather {
    std::vector<JobStatus> statuses;
    size_t pending = 0;
  };
  auto gather = std::make_shared<Gather>();
  gather->pending = jobs.size();
  gather->statuses.reserve(jobs.size());
  auto promise = self->make_response_promise<std::vector<JobStatus>>();
  auto done = [gather, promise]() mutable {
    if (--gather->pending > 0) return;
    std::sort(gather->statuses.begin(), gather->statuses.end(),
              [](const JobStatus& a, const JobStatus& b) { return a.id < b.id; });
    promise.deliver(std::move(gather->statuses));
  };
  for (auto& kv : jobs) {
    if (kv.second.given_up || kv.second.waits_for_predecessor) {
      gather->statuses.push_back(kv.second.given_up ? *kv.second.given_up : waiting_status(kv.second));
      done();
      continue;
    }
    self->request(kv.second.actor, query_timeout, status_atom::value)
        .then(
            [gather, done](JobStatus& s) mutable {
              gather->statuses.push_back(std::move(s));
              done();
            },
            [done](caf::error&) mutable { done(); });  // a job that just went away
  }
  return promise;
}

void on_signal(sup_ptr self, int32_t signo) {
  auto& st = self->state;
  if (signo == SIGHUP) {
    log_info("", "SIGHUP: reloading " + st.args.path);
    reload(self);
    return;
  }
  // SIGINT/SIGTERM: the first stops gracefully, the second at once.
  ++st.shutdown_signals;
  log_info("", fmt::format("{}: {}", signo == SIGINT ? "SIGINT" : "SIGTERM",
                           st.shutdown_signals == 1 ? "stopping the fleet" : "killing the fleet"));
  begin_shutdown(self, st.shutdown_signals > 1 ? StopMode::immediate : StopMode::graceful);
}

supervisor_actor::behavior_type supervisor_impl(sup_ptr self, SupervisorArgs args) {
  auto& st = self->state;
  st.args = std::move(args);
  self->set_down_handler([=](caf::down_msg& dm) { on_job_down(self, dm); });
  for (auto& spec : st.args.fleet.jobs) add_job(self, spec);
  emit(st.args.services.events, fleet_event("started"));
  log_info("", "fleet started: " + count_of(st.jobs.size(), "job") + " from " + st.args.path);

  return {
      [=](status_atom) { return all_status(self); },
      [=](status_atom, const std::string& id) { return one_status(self, id); },
      [=](start_atom a, const std::string& id) { return start_command(self, a, id); },
      [=](stop_atom a, const std::string& id) { return stop_command(self, id, a, ReplyWhen::exited); },
      [=](kill_atom a, const std::string& id) { return stop_command(self, id, a); },
      [=](restart_atom a, const std::string& id) { return start_command(self, a, id); },
      [=](logs_atom a, const std::string& id, uint32_t n) { return forward<std::vector<LogEntry>>(self, id, a, n); },
      [=](logs_atom a, const std::string& id, uint32_t n, uint64_t after) {
        return forward<std::vector<LogEntry>>(self, id, a, n, after);
      },
      [=](report_atom a, const std::string& id) { return forward<std::vector<RunReport>>(self, id, a); },
      [=](reload_atom) { return reload(self); },
      [=](apply_atom, const FleetSpec& fleet, bool immediate) {
        return apply_fleet(self, fleet, immediate ? StopMode::immediate : StopMode::graceful, "the cluster's placement");
      },
      [=](jobs_atom) {
        std::vector<std::string> ids;
        for (auto& kv : self->state.jobs) ids.push_back(kv.first);
        return ids;
      },
      [=](crash_atom a, const std::string& id) {
        auto* job = find_job(self, id);
        if (job && job->actor && self->state.args.fault_injection) self->send(job->actor, a);
      },
      [=](shutdown_atom, StopMode mode) { begin_shutdown(self, mode); },
      [=](signal_atom, int32_t signo) { on_signal(self, signo); },
  };
}

}  // namespace

supervisor_actor spawn_supervisor(caf::actor_system& sys, SupervisorArgs args) {
  return sys.spawn(supervisor_impl, std::move(args));
}

}  // namespace ffleet

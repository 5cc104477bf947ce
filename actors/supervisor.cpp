#include "actors/supervisor.hpp"

#include <algorithm>
#include <csignal>
#include <deque>
#include <map>
#include <memory>

#include "actors/events.hpp"
#include "config/loader.hpp"
#include "src/util/logging.hpp"

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto query_timeout = std::chrono::seconds(10);

struct JobEntry {
  JobSpec spec;
  job_actor actor;
  std::deque<Clock::time_point> crashes;
};

struct supervisor_state {
  SupervisorArgs args;
  std::map<std::string, JobEntry> jobs;
  // Jobs told to go (removed by a reload, or all at shutdown); their normal
  // exit is expected. Keyed by actor address, ids may be reused meanwhile.
  std::vector<caf::actor_addr> leaving;
  bool shutting_down = false;
  int shutdown_signals = 0;
  static inline const char* name = "supervisor";
};

using sup_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

void add_job(sup_ptr self, const JobSpec& spec) {
  auto actor = spawn_job(self->system(), spec, self->state.args.services);
  self->monitor(actor);
  auto& entry = self->state.jobs[spec.id];
  entry.spec = spec;
  entry.actor = actor;
}

void let_go(sup_ptr self, const job_actor& actor, bool immediate, const std::string& reason) {
  self->state.leaving.push_back(actor.address());
  self->send(actor, shutdown_atom::value, immediate, reason);
}

void maybe_finish_shutdown(sup_ptr self) {
  auto& st = self->state;
  if (!st.shutting_down || !st.jobs.empty()) return;
  emit(st.args.services.events, fleet_event("stopped"));
  log_info("", "fleet stopped");
  self->quit();
}

void begin_shutdown(sup_ptr self, bool immediate) {
  auto& st = self->state;
  if (!st.shutting_down) {
    st.shutting_down = true;
    emit(st.args.services.events, fleet_event("stopping"));
    log_info("", fmt::format("stopping {} jobs", st.jobs.size()));
  }
  if (immediate) log_warn("", "stopping now: SIGKILL to every job");
  for (auto& kv : st.jobs) let_go(self, kv.second.actor, immediate, "shutdown");
  maybe_finish_shutdown(self);
}

ReloadResult reload(sup_ptr self) {
  auto& st = self->state;
  ReloadResult result;
  if (st.shutting_down) {
    result.errors.push_back("the fleet is shutting down");
    return result;
  }
  auto loaded = load_job_file(st.args.path);
  if (!loaded.ok()) {
    for (auto& e : loaded.errors) result.errors.push_back(e.to_string());
    log_error("", fmt::format("reload refused, the fleet is unchanged: {} error(s) in {}",
                              result.errors.size(), st.args.path));
    for (auto& e : result.errors) log_error("", e);
    return result;
  }
  std::map<std::string, const JobSpec*> wanted;
  for (auto& spec : loaded.fleet->jobs) wanted[spec.id] = &spec;
  for (auto i = st.jobs.begin(); i != st.jobs.end();) {
    if (wanted.count(i->first) == 0) {
      result.removed.push_back(i->first);
      let_go(self, i->second.actor, false, "removed from the job file");
      i = st.jobs.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& spec : loaded.fleet->jobs) {
    auto i = st.jobs.find(spec.id);
    if (i == st.jobs.end()) {
      result.added.push_back(spec.id);
      add_job(self, spec);
    } else if (!(i->second.spec == spec)) {
      result.changed.push_back(spec.id);
      i->second.spec = spec;
      caf::anon_send(i->second.actor, update_atom::value, spec);  // the reply (changed or not) is not needed
    }
  }
  result.ok = true;
  auto event = fleet_event("reloaded");
  event["added"] = result.added;
  event["removed"] = result.removed;
  event["changed"] = result.changed;
  emit(st.args.services.events, event);
  log_info("", fmt::format("reloaded {}: {} added, {} removed, {} changed", st.args.path,
                           result.added.size(), result.removed.size(), result.changed.size()));
  return result;
}

// A job actor died. Expected after shutdown/removal; otherwise a bug in it:
// restart it (its process was killed on the way down) unless it keeps dying.
void on_job_down(sup_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto leaving = std::find(st.leaving.begin(), st.leaving.end(), dm.source);
  if (leaving != st.leaving.end()) {
    st.leaving.erase(leaving);
    for (auto i = st.jobs.begin(); i != st.jobs.end(); ++i)
      if (i->second.actor.address() == dm.source) {
        st.jobs.erase(i);
        break;
      }
    maybe_finish_shutdown(self);
    return;
  }
  auto i = std::find_if(st.jobs.begin(), st.jobs.end(),
                        [&](auto& kv) { return kv.second.actor.address() == dm.source; });
  if (i == st.jobs.end()) return;
  std::string id = i->first;
  if (!dm.reason) {  // quit on its own without being asked: nothing to restart
    st.jobs.erase(i);
    maybe_finish_shutdown(self);
    return;
  }
  auto now = Clock::now();
  auto& crashes = i->second.crashes;
  while (!crashes.empty() && now - crashes.front() > st.args.crash_window) crashes.pop_front();
  crashes.push_back(now);
  if (crashes.size() > st.args.max_crashes) {
    log_error(id, fmt::format("job actor died {} times within {} s; not restarted: {}", crashes.size(),
                              std::chrono::duration_cast<std::chrono::seconds>(st.args.crash_window).count(),
                              caf::to_string(dm.reason)));
    st.jobs.erase(i);
    return;
  }
  log_error(id, "job actor died (" + caf::to_string(dm.reason) + "); restarting it");
  auto saved = std::move(crashes);
  add_job(self, i->second.spec);
  st.jobs[id].crashes = std::move(saved);
}

template <class T>
using result = caf::result<T>;

// Looks up a job or fails the request with a clear message.
const JobEntry* find_job(sup_ptr self, const std::string& id) {
  auto i = self->state.jobs.find(id);
  return i == self->state.jobs.end() ? nullptr : &i->second;
}

caf::error unknown_job(const std::string& id) {
  return make_error(errc::unknown_job, "unknown job \"" + id + "\"");
}

// Hands a request for one job to that job; the job's reply goes straight
// back to the requester.
template <class Reply, class... Ts>
result<Reply> forward(sup_ptr self, const std::string& id, Ts... xs) {
  auto* job = find_job(self, id);
  if (!job) return unknown_job(id);
  return self->delegate(job->actor, xs...);
}

result<std::vector<JobStatus>> all_status(sup_ptr self) {
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

supervisor_actor::behavior_type supervisor_impl(sup_ptr self, SupervisorArgs args) {
  auto& st = self->state;
  st.args = std::move(args);
  self->set_down_handler([=](caf::down_msg& dm) { on_job_down(self, dm); });
  for (auto& spec : st.args.fleet.jobs) add_job(self, spec);
  emit(st.args.services.events, fleet_event("started"));
  log_info("", fmt::format("fleet started: {} jobs from {}", st.jobs.size(), st.args.path));

  return {
      [=](status_atom) { return all_status(self); },
      [=](status_atom, const std::string& id) { return forward<JobStatus>(self, id, status_atom::value); },
      [=](start_atom, const std::string& id) { return forward<CommandResult>(self, id, start_atom::value); },
      [=](stop_atom, const std::string& id) { return forward<CommandResult>(self, id, stop_atom::value, true); },
      [=](kill_atom, const std::string& id) { return forward<CommandResult>(self, id, kill_atom::value); },
      [=](restart_atom, const std::string& id) { return forward<CommandResult>(self, id, restart_atom::value); },
      [=](logs_atom, const std::string& id, uint32_t n) { return forward<std::vector<LogEntry>>(self, id, logs_atom::value, n); },
      [=](report_atom, const std::string& id) { return forward<std::vector<RunReport>>(self, id, report_atom::value); },
      [=](reload_atom) { return reload(self); },
      [=](jobs_atom) {
        std::vector<std::string> ids;
        for (auto& kv : self->state.jobs) ids.push_back(kv.first);
        return ids;
      },
      [=](crash_atom, const std::string& id) {
        auto* job = find_job(self, id);
        if (job && self->state.args.fault_injection) self->send(job->actor, crash_atom::value);
      },
      [=](shutdown_atom, bool immediate) { begin_shutdown(self, immediate); },
      [=](signal_atom, int32_t signo) {
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
        begin_shutdown(self, st.shutdown_signals > 1);
      },
  };
}

}  // namespace

supervisor_actor spawn_supervisor(caf::actor_system& sys, SupervisorArgs args) {
  return sys.spawn(supervisor_impl, std::move(args));
}

}  // namespace ffleet

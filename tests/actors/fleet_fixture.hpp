// A small fleet for tests: an actor system, the reactor, the events actor
// and the sampler, plus a scoped actor subscribed to the event stream so a
// test can wait for events (never for a fixed time).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/events.hpp"
#include "actors/job.hpp"
#include "actors/sampler.hpp"
#include "actors/supervisor.hpp"
#include "src/process/reactor.hpp"
#include "wait.hpp"
#include "process_probe.hpp"

namespace ffleet::test {

using namespace std::chrono_literals;
using Json = nlohmann::json;


inline caf::actor_system_config& test_config() {
  static caf::actor_system_config cfg = [] {
    caf::actor_system_config c;
    c.set("scheduler.max-threads", 2);
    c.set("logger.console-verbosity", caf::atom("quiet"));
    return c;
  }();
  return cfg;
}

// A job that runs `binary args` with no reconnect unless a test says so.
inline JobSpec job_spec(const std::string& id, const std::string& binary, std::vector<std::string> args = {}) {
  JobSpec s;
  s.id = id;
  s.binary = binary;
  s.args = std::move(args);
  s.reconnect = false;
  s.autostart = false;
  s.stop_timeout = 5s;
  s.inherit_env = {"PATH"};
  return s;
}

class TestFleet {
 public:
  TestFleet() : spawner_(start_spawner()), sys_(test_config()), reactor_(reactor_options(spawner_.get())) {
    reactor_.start();
    self_.emplace(sys_);
    services_.reactor = &reactor_;
    services_.events = spawn_events(sys_, "");
    services_.sampler = spawn_sampler(sys_, 200ms);
    (*self_)->send(services_.events, subscribe_atom::value,
                   caf::actor_cast<event_listener_actor>(*self_));
  }

  ~TestFleet() {
    for (auto& j : jobs_) (*self_)->send(j, quit_atom::value, QuitOrder{StopMode::immediate, "test over"});
    for (auto& j : jobs_) (*self_)->wait_for(j);
    jobs_.clear();
    if (supervisor_) {
      (*self_)->send(supervisor_, shutdown_atom::value, StopMode::immediate);
      (*self_)->wait_for(supervisor_);
      supervisor_ = nullptr;
    }
    caf::anon_send_exit(services_.sampler, caf::exit_reason::user_shutdown);
    (*self_)->request(services_.events, 5s, close_atom::value).receive([](bool) {}, [](caf::error&) {});
    services_ = Services{};
    self_.reset();
    sys_.await_all_actors_done();
    reactor_.stop();
  }

  caf::actor_system& system() { return sys_; }
  caf::scoped_actor& self() { return *self_; }
  Reactor& reactor() { return reactor_; }
  Services services() { return services_; }

  job_actor spawn(JobSpec spec) {
    auto j = spawn_job(sys_, std::move(spec), services_);
    jobs_.push_back(j);
    return j;
  }

  // With crash_atom accepted (fault injection), and `max_crashes` job actor
  // deaths allowed within the default window.
  supervisor_actor spawn_fleet(FleetSpec fleet, uint32_t max_crashes = 5) {
    SupervisorArgs args;
    args.path = fleet.path;
    args.fleet = std::move(fleet);
    args.services = services_;
    args.fault_injection = true;
    args.max_crashes = max_crashes;
    supervisor_ = spawn_supervisor(sys_, std::move(args));
    return supervisor_;
  }

  // Waits for the first event that matches and no earlier wait consumed; fails the test
  // after `timeout`. Every event seen is kept in events().
  Json wait_event(const std::function<bool(const Json&)>& match, std::chrono::milliseconds timeout = 30s) {
    for (size_t i = 0; i < events_.size(); ++i) {
      if (!consumed_[i] && match(events_[i])) {
        consumed_[i] = true;
        return events_[i];
      }
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= 0s) {
        FAIL("timed out waiting for an event; last: " << (events_.empty() ? "none" : events_.back().dump()));
      }
      std::optional<Json> got;
      (*self_)->receive(
          [&](event_atom, const std::string& line) { got = Json::parse(line); },
          caf::after(std::chrono::duration_cast<std::chrono::milliseconds>(left)) >> [] {});
      if (!got) continue;
      events_.push_back(*got);
      consumed_.push_back(false);
      if (match(*got)) {
        consumed_.back() = true;
        return *got;
      }
    }
  }

  Json wait_state(const std::string& job, const std::string& to, std::chrono::milliseconds timeout = 30s) {
    return wait_event([&](const Json& e) { return e["event"] == "state" && e["job"] == job && e["to"] == to; },
                      timeout);
  }

  Json wait_exit(const std::string& job, std::chrono::milliseconds timeout = 30s) {
    return wait_event([&](const Json& e) { return e["event"] == "exit" && e["job"] == job; }, timeout);
  }

  const std::vector<Json>& events() const { return events_; }

  template <class R, class... Ts>
  R ask(const job_actor& job, Ts... xs) {
    std::optional<R> out;
    self()->request(job, 30s, xs...).receive([&](R& r) { out = std::move(r); },
                                              [&](caf::error& e) { FAIL("request failed: " << caf::to_string(e)); });
    return std::move(*out);
  }

  JobStatus status(const job_actor& job) { return ask<JobStatus>(job, status_atom::value); }

  // Waits until the job's log has a line containing `text`: a helper prints
  // once it is ready (its signal handlers installed), so a test that stops
  // it does not race its start-up. Polls with a deadline.
  std::string wait_output(const job_actor& job, const std::string& text, std::chrono::milliseconds timeout = 30s) {
    std::string found;
    bool ok = eventually(
        [&] {
          for (auto& e : ask<std::vector<LogEntry>>(job, logs_atom::value, uint32_t{1000}))
            if (e.text.find(text) != std::string::npos) {
              found = e.text;
              return true;
            }
          return false;
        },
        timeout);
    if (!ok) FAIL("no output line with: " << text);
    return found;
  }

 private:
  // As `ffleet run` does: the daemon's jobs are made by a spawn helper
  // forked first (from the test's main thread).
  static std::unique_ptr<SpawnHelper> start_spawner() {
    std::string error;
    auto h = SpawnHelper::start(&error);
    if (!h) FAIL(error);
    return h;
  }

  static ReactorOptions reactor_options(SpawnHelper* spawner) {
    ReactorOptions o;
    o.coalesce = std::chrono::milliseconds(20);
    o.spawner = spawner;
    return o;
  }

  std::unique_ptr<SpawnHelper> spawner_;
  caf::actor_system sys_;
  Reactor reactor_;
  std::optional<caf::scoped_actor> self_;
  Services services_;
  std::vector<job_actor> jobs_;
  supervisor_actor supervisor_;
  std::vector<Json> events_;
  std::vector<bool> consumed_;  // each event satisfies one wait at most
};

}  // namespace ffleet::test

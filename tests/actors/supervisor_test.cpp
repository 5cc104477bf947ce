// The root supervisor: crash restarts, fleet-wide queries, reload as a diff.
#include "fleet_fixture.hpp"

#include <filesystem>
#include <fstream>

#include "config/loader.hpp"
#include "process_probe.hpp"

using namespace ffleet;
using namespace ffleet::test;

namespace {

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& name)
      : path((std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".yaml")).string()) {}
  ~TempFile() { std::filesystem::remove(path); }
  void write(const std::string& text) const { std::ofstream(path) << text; }
};

FleetSpec load(const std::string& path) {
  auto r = load_job_file(path);
  for (auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  return *r.fleet;
}

std::vector<JobStatus> statuses(TestFleet& f, const supervisor_actor& sup) {
  std::vector<JobStatus> out;
  f.self()->request(sup, 10s, status_atom::value).receive([&](std::vector<JobStatus>& s) { out = std::move(s); },
                                                          [](caf::error& e) { FAIL(caf::to_string(e)); });
  return out;
}

std::optional<int> pid_of(TestFleet& f, const supervisor_actor& sup, const std::string& id) {
  for (auto& s : statuses(f, sup))
    if (s.id == id) return s.pid;
  return std::nullopt;
}

const char* two_jobs = R"(version: 1
defaults:
  binary: sleep
  reconnect_delay: 100ms
jobs:
  - id: a
    args: ["30"]
  - id: b
    args: ["30"]
)";

// The fleet of `two_jobs`, both running.
supervisor_actor two_running_jobs(TestFleet& f, const TempFile& file, uint32_t max_crashes = 5) {
  file.write(two_jobs);
  auto sup = f.spawn_fleet(load(file.path), max_crashes);
  f.wait_state("a", "running");
  f.wait_state("b", "running");
  return sup;
}

// Crashes the job actor of `id` and waits until its new actor runs a new
// process and the old process is gone; returns the new pid.
std::optional<int> crash_and_wait_restart(TestFleet& f, const supervisor_actor& sup, const std::string& id) {
  auto old_pid = pid_of(f, sup, id);
  REQUIRE(old_pid);
  f.self()->send(sup, crash_atom::value, id);
  f.wait_event([&](const Json& e) { return e["event"] == "state" && e["job"] == id && e["to"] == "running"; });
  CHECK(eventually([&] { return process_gone(*old_pid); }, 5s));
  auto new_pid = pid_of(f, sup, id);
  REQUIRE(new_pid);
  CHECK(*new_pid != *old_pid);
  return new_pid;
}

}  // namespace

TEST_CASE("supervisor: brings up every job of the file and answers status for all, sorted", "[supervisor]") {
  TestFleet f;
  TempFile file("sup-status");
  auto sup = two_running_jobs(f, file);
  auto all = statuses(f, sup);
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == "a");
  CHECK(all[1].id == "b");
  CHECK(all[0].state == State::running);
  std::string error;
  f.self()->request(sup, 10s, status_atom::value, std::string("nope"))
      .receive([](JobStatus&) {}, [&](caf::error& e) { error = error_text(e); });
  CHECK(error == "unknown job \"nope\"");
}

TEST_CASE("supervisor: a job actor that crashes is restarted, its process killed first, others untouched", "[supervisor]") {
  TestFleet f;
  TempFile file("sup-crash");
  auto sup = two_running_jobs(f, file);
  auto b_pid = pid_of(f, sup, "b");
  REQUIRE(b_pid);
  // The new job actor starts a new process; the old one is gone.
  crash_and_wait_restart(f, sup, "a");
  CHECK(pid_of(f, sup, "b") == b_pid);
}

TEST_CASE("supervisor: a job actor crashing past the restart intensity stays in status, given up, until started", "[supervisor]") {
  TestFleet f;
  TempFile file("sup-intensity");
  auto sup = two_running_jobs(f, file, 2);  // a third crash within the window is one too many
  auto b_pid = pid_of(f, sup, "b");
  crash_and_wait_restart(f, sup, "a");
  auto last_pid = crash_and_wait_restart(f, sup, "a");
  f.self()->send(sup, crash_atom::value, std::string("a"));
  auto e = f.wait_event([](const Json& e) { return e["event"] == "gave_up" && e["job"] == "a"; });
  CHECK(e["restarts"] == 3);
  CHECK(e["window_s"] == 60.0);
  CHECK(e["reason"].get<std::string>().rfind("reached_max_restart_intensity", 0) == 0);
  CHECK(eventually([&] { return process_gone(*last_pid); }, 5s));

  // Still listed, visibly given up; the other job untouched.
  auto all = statuses(f, sup);
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == "a");
  CHECK(all[0].gave_up);
  CHECK(all[0].state == State::failed);
  CHECK(all[0].order == Order::stop);
  CHECK_FALSE(all[0].pid);
  CHECK(all[0].gave_up_reason.rfind("reached_max_restart_intensity", 0) == 0);
  CHECK(pid_of(f, sup, "b") == b_pid);
  std::string refused;
  f.self()->request(sup, 10s, logs_atom::value, std::string("a"), uint32_t{10})
      .receive([](std::vector<LogEntry>&) {}, [&](caf::error& err) { refused = error_text(err); });
  CHECK(refused.find("not supervised") != std::string::npos);

  // An operator start brings it back with a new job actor.
  CommandResult r;
  f.self()->request(sup, 10s, start_atom::value, std::string("a")).receive([&](CommandResult& x) { r = x; }, [](caf::error&) {});
  CHECK(r.ok);
  f.wait_event([](const Json& e) { return e["event"] == "state" && e["job"] == "a" && e["to"] == "running"; });
  CHECK(eventually([&] {
    for (auto& s : statuses(f, sup))
      if (s.id == "a") return !s.gave_up && s.pid.has_value();
    return false;
  }, 10s));
}

TEST_CASE("supervisor: reload adds, removes and changes jobs, unchanged jobs keep their process", "[supervisor][reload]") {
  TestFleet f;
  TempFile file("sup-reload");
  file.write(R"(version: 1
defaults:
  binary: sleep
jobs:
  - id: keep
    args: ["30"]
  - id: change
    args: ["30"]
  - id: drop
    args: ["30"]
)");
  auto sup = f.spawn_fleet(load(file.path));
  for (auto id : {"keep", "change", "drop"}) f.wait_state(id, "running");
  auto keep_pid = pid_of(f, sup, "keep");
  file.write(R"(version: 1
defaults:
  binary: sleep
jobs:
  - id: keep
    args: ["30"]
  - id: change
    args: ["31"]
  - id: new
    args: ["30"]
)");
  ReloadResult r;
  f.self()->request(sup, 10s, reload_atom::value).receive([&](ReloadResult& x) { r = x; }, [](caf::error&) {});
  REQUIRE(r.ok);
  CHECK(r.added == std::vector<std::string>{"new"});
  CHECK(r.removed == std::vector<std::string>{"drop"});
  CHECK(r.changed == std::vector<std::string>{"change"});
  auto ev = f.wait_event([](const Json& e) { return e["event"] == "fleet" && e["action"] == "reloaded"; });
  CHECK(ev["added"] == Json::array({"new"}));
  f.wait_state("new", "running");
  f.wait_exit("drop");
  f.wait_event([](const Json& e) { return e["event"] == "state" && e["job"] == "change" && e["to"] == "running" && e["run"] == 2; });
  CHECK(pid_of(f, sup, "keep") == keep_pid);
  auto all = statuses(f, sup);
  CHECK(all.size() == 3);
}

TEST_CASE("supervisor: an invalid reload changes nothing and reports every error", "[supervisor][reload]") {
  TestFleet f;
  TempFile file("sup-badreload");
  auto sup = two_running_jobs(f, file);
  auto a_pid = pid_of(f, sup, "a");
  file.write("version: 1\njobs:\n  - id: a\n    binary: sleep\n    args: [\"30\"]\n    stale_timout: 5s\n  - id: c\n    reconnect_delay: soon\n    args: []\n");
  ReloadResult r;
  f.self()->request(sup, 10s, reload_atom::value).receive([&](ReloadResult& x) { r = x; }, [](caf::error&) {});
  CHECK_FALSE(r.ok);
  CHECK(r.errors.size() >= 2);
  CHECK(pid_of(f, sup, "a") == a_pid);
  CHECK(statuses(f, sup).size() == 2);
}

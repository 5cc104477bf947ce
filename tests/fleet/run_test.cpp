// `ffleet run` as a process on real job files, observed through --events.
#include "daemon.hpp"

#include <map>
#include <set>

using namespace ffleet::test;

namespace {

std::string sleepers(int n, const std::string& extra = "") {
  std::string yaml = "version: 1\ndefaults:\n  binary: sleep\n  stop_timeout: 2s\njobs:\n";
  for (int i = 0; i < n; ++i) yaml += "  - id: job-" + std::to_string(i) + "\n    args: [\"300\"]\n";
  return yaml + extra;
}

bool is_running_event(const Json& e) { return e["event"] == "state" && e["to"] == "running"; }

// The pid of each job's latest running event.
std::map<std::string, int> running_pids(Daemon& d) {
  std::map<std::string, int> pids;
  for (auto& e : d.events())
    if (is_running_event(e)) pids[e["job"]] = e["pid"];
  return pids;
}

}  // namespace

TEST_CASE("ffleet run: 50 jobs come up, SIGTERM stops them all and the daemon exits 0", "[fleet]") {
  ScratchDir dir("run50");
  auto file = dir.write("jobs.yaml", sleepers(50));
  Daemon d(dir, file);
  d.wait_event([](const Json& e) { return e["event"] == "fleet" && e["action"] == "started"; });
  d.wait_count(is_running_event, 50);
  auto pids = running_pids(d);
  REQUIRE(pids.size() == 50);
  d.signal(SIGTERM);
  CHECK(d.wait_exit() == 0);
  for (auto& kv : pids) CHECK_FALSE(process_alive(kv.second));
  auto& ev = d.events();
  REQUIRE_FALSE(ev.empty());
  CHECK(ev.back()["event"] == "fleet");
  CHECK(ev.back()["action"] == "stopped");
}

TEST_CASE("ffleet run: SIGHUP reloads, unchanged jobs keep their pid", "[fleet][reload]") {
  ScratchDir dir("reload");
  auto file = dir.write("jobs.yaml", sleepers(3));
  Daemon d(dir, file);
  d.wait_count(is_running_event, 3);
  auto before = running_pids(d);
  // job-0 unchanged, job-1 changed, job-2 removed, job-3 added.
  dir.write("jobs.yaml",
            "version: 1\ndefaults:\n  binary: sleep\n  stop_timeout: 2s\njobs:\n"
            "  - id: job-0\n    args: [\"300\"]\n"
            "  - id: job-1\n    args: [\"301\"]\n"
            "  - id: job-3\n    args: [\"300\"]\n");
  d.signal(SIGHUP);
  auto reloaded = d.wait_event([](const Json& e) { return e["event"] == "fleet" && e["action"] == "reloaded"; });
  CHECK(reloaded["added"] == Json::array({"job-3"}));
  CHECK(reloaded["removed"] == Json::array({"job-2"}));
  CHECK(reloaded["changed"] == Json::array({"job-1"}));
  d.wait_event([](const Json& e) { return is_running_event(e) && e["job"] == "job-3"; });
  d.wait_event([](const Json& e) { return is_running_event(e) && e["job"] == "job-1" && e["run"] == 2; });
  d.wait_event([](const Json& e) { return e["event"] == "exit" && e["job"] == "job-2"; });
  auto after = running_pids(d);
  CHECK(after["job-0"] == before["job-0"]);
  CHECK(after["job-1"] != before["job-1"]);
  CHECK_FALSE(process_alive(before["job-2"]));
  CHECK(process_alive(before["job-0"]));
  d.signal(SIGINT);
  CHECK(d.wait_exit() == 0);
}

TEST_CASE("ffleet run: an invalid reload leaves the fleet untouched and is logged", "[fleet][reload]") {
  ScratchDir dir("badreload");
  auto file = dir.write("jobs.yaml", sleepers(2));
  Daemon d(dir, file);
  d.wait_count(is_running_event, 2);
  auto before = running_pids(d);
  dir.write("jobs.yaml", "version: 1\njobs:\n  - id: job-0\n    binary: sleep\n    args: [\"300\"]\n    stale_timout: 5s\n");
  d.signal(SIGHUP);
  REQUIRE(eventually([&] { return d.log().find("reload refused") != std::string::npos; }));
  CHECK(d.log().find("jobs.yaml:6:5: unknown key") != std::string::npos);
  for (auto& kv : before) CHECK(process_alive(kv.second));
  for (auto& e : d.events()) CHECK_FALSE((e["event"] == "fleet" && e["action"] == "reloaded"));
  d.signal(SIGTERM);
  CHECK(d.wait_exit() == 0);
}

TEST_CASE("ffleet run: SIGTERM with a job ignoring SIGINT ends after its stop_timeout, nothing left", "[fleet][shutdown]") {
  ScratchDir dir("stubborn");
  auto file = dir.write("jobs.yaml", "version: 1\njobs:\n  - id: stubborn\n    binary: " + helper("helper_ignoresigint") +
                                         "\n    args: []\n    stop_timeout: 1s\n  - id: polite\n    binary: sleep\n    args: [\"300\"]\n");
  Daemon d(dir, file);
  d.wait_count(is_running_event, 2);
  auto pids = running_pids(d);
  // A SIGINT before the helper ignores it would end it at once.
  REQUIRE(eventually([&] { return ignores_signal(pids.at("stubborn"), SIGINT); }));
  auto t0 = std::chrono::steady_clock::now();
  d.signal(SIGTERM);
  CHECK(d.wait_exit() == 0);
  CHECK(std::chrono::steady_clock::now() - t0 >= 1s);
  for (auto& kv : pids) CHECK_FALSE(process_alive(kv.second));
  bool stubborn_killed = false;
  for (auto& e : d.events())
    if (e["event"] == "exit" && e["job"] == "stubborn") stubborn_killed = e["signal"] == SIGKILL;
  CHECK(stubborn_killed);
}

TEST_CASE("ffleet run: a second SIGINT kills every job at once", "[fleet][shutdown]") {
  ScratchDir dir("double");
  auto file = dir.write("jobs.yaml", "version: 1\njobs:\n  - id: stubborn\n    binary: " + helper("helper_ignoresigint") +
                                         "\n    args: []\n    stop_timeout: 60s\n");
  Daemon d(dir, file);
  d.wait_count(is_running_event, 1);
  // A SIGINT before the helper ignores it would end it at once.
  REQUIRE(eventually([&] { return ignores_signal(running_pids(d).at("stubborn"), SIGINT); }));
  d.signal(SIGINT);
  d.wait_event([](const Json& e) { return e["event"] == "state" && e["to"] == "finishing"; });
  d.signal(SIGINT);
  CHECK(d.wait_exit(20s) == 0);  // far less than the 60 s stop_timeout
}

TEST_CASE("ffleet run: when the daemon is SIGKILLed no child survives it", "[fleet][shutdown]") {
  ScratchDir dir("sigkill");
  auto file = dir.write("jobs.yaml", sleepers(20));
  Daemon d(dir, file);
  d.wait_count(is_running_event, 20);
  auto pids = running_pids(d);
  d.signal(SIGKILL);
  CHECK(d.wait_exit() == -SIGKILL);
  for (auto& kv : pids) {
    CAPTURE(kv.first);
    CHECK(eventually([&] { return !process_alive(kv.second); }, 5s));
  }
}

TEST_CASE("ffleet run: an invalid job file exits 2 with every error, and runs nothing", "[fleet][validate]") {
  ScratchDir dir("invalid");
  auto file = dir.write("jobs.yaml", "version: 1\njobs:\n  - id: x\n    args: [a]\n    reconect: true\n");
  Daemon d(dir, file);
  CHECK(d.wait_exit() == 2);
  CHECK(d.log().find("jobs.yaml:5:5: unknown key \"reconect\"") != std::string::npos);
}

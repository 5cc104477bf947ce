// The daemon against stubborn or hostile jobs, counted from outside: what
// runs is read from /proc, not from what ffleet says.
#include "control_helpers.hpp"
#include "process_probe.hpp"

#include <algorithm>

using namespace ffleet::test;

namespace {

// A marker no other test's processes carry.
std::string unique_marker(const std::string& what) {
  return "ffleet-" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand());
}

}  // namespace

TEST_CASE("one process per id: a job re-added while its SIGINT-ignoring process still stops waits for it", "[fleet][hardening]") {
  ScratchDir dir("one-per-id");
  std::string marker = unique_marker("stubborn");
  std::string with_job = "version: 1\njobs:\n"
                         "  - id: keep\n    binary: sleep\n    args: [\"300\"]\n"
                         "  - id: stubborn\n    binary: " + helper("helper_ignoresigint") + "\n"
                         "    args: [" + marker + "]\n    stop_timeout: 4s\n";
  std::string without_job = "version: 1\njobs:\n  - id: keep\n    binary: sleep\n    args: [\"300\"]\n";
  auto file = dir.write("jobs.yaml", with_job);
  Daemon d(dir, file, {}, "127.0.0.1:0");
  auto started = d.wait_event(running("stubborn"));
  REQUIRE(eventually([&] { return ignores_signal(started["pid"].get<int>(), SIGINT); }));  // past its set-up

  // Remove and add it back, again and again, faster than it stops (it only
  // dies by the SIGKILL after stop_timeout): before, each round left one
  // more process of that id running.
  size_t most = 0;
  for (int round = 0; round < 6; ++round) {
    dir.write("jobs.yaml", round % 2 == 0 ? without_job : with_job);
    d.signal(SIGHUP);
    d.wait_count([](const Json& e) { return e["event"] == "fleet" && e["action"] == "reloaded"; },
                 static_cast<size_t>(round + 1));
    most = std::max(most, processes_with_marker(marker).size());
  }
  // The last file has the job: its one process comes once the old one is gone.
  uint16_t port = listening_port(d, "control");
  std::vector<pid_t> now;
  bool one_running = eventually([&] {
    now = processes_with_marker(marker);
    most = std::max(most, now.size());
    auto status = ctl(dir, port, {"status", "stubborn", "--json"});
    if (status.code != 0 || now.size() != 1) return false;
    auto j = Json::parse(status.out);
    if (j.is_array()) j = j.at(0);
    return j["state"] == "running" && j["pid"] == now[0];
  }, 60s);
  CHECK(one_running);
  CHECK(most <= 1);
  CHECK(now.size() == 1);
  d.signal(SIGTERM);
  CHECK(d.wait_exit() == 0);
  CHECK(processes_with_marker(marker).empty());
}

namespace {

std::string escaper_fleet(const std::string& marker, int mib) {
  return "version: 1\njobs:\n"
         "  - id: escaper\n    binary: " + helper("helper_escaper") + "\n"
         "    args: [\"" + std::to_string(mib) + "\", " + marker + "]\n"
         "    stop_timeout: 5s\n    reconnect_delay: 100ms\n";
}

}  // namespace

TEST_CASE("escaped descendants: a setsid double-forked grandchild is counted with its job and killed on stop, restart and shutdown", "[fleet][hardening]") {
  ScratchDir dir("escaper");
  std::string marker = unique_marker("escaper");
  auto file = dir.write("jobs.yaml", escaper_fleet(marker, 64));
  Daemon d(dir, file, {}, "127.0.0.1:0");
  uint16_t port = listening_port(d, "control");
  d.wait_event(running("escaper"));
  // The helper and its escaped grandchild.
  REQUIRE(eventually([&] { return processes_with_marker(marker).size() == 2; }));

  // Its 64 MiB count for the job, though it left the job's session.
  uint64_t memory = 0;
  bool counted = eventually([&] {
    auto status = ctl(dir, port, {"status", "escaper", "--json"});
    auto j = Json::parse(status.out);
    if (j.is_array()) j = j.at(0);
    memory = j.value("memory_bytes", uint64_t{0});
    return memory >= (uint64_t{64} << 20);
  });
  CAPTURE(memory);
  CHECK(counted);

  // Each restart ends the run: before, one more grandchild survived each time.
  for (int run = 2; run <= 3; ++run) {
    CHECK(ctl(dir, port, {"restart", "escaper"}).code == 0);
    d.wait_event(running("escaper", run));
  }
  CHECK(eventually([&] { return processes_with_marker(marker).size() == 2; }));

  CHECK(ctl(dir, port, {"stop", "escaper"}).code == 0);
  CHECK(eventually([&] { return processes_with_marker(marker).empty(); }));

  CHECK(ctl(dir, port, {"start", "escaper"}).code == 0);
  REQUIRE(eventually([&] { return processes_with_marker(marker).size() == 2; }));
  d.signal(SIGTERM);
  CHECK(d.wait_exit() == 0);
  CHECK(processes_with_marker(marker).empty());
}

TEST_CASE("clean text: control characters from a job never forge a line of the daemon's text log", "[fleet][hardening]") {
  ScratchDir dir("log-injection");
  // The failed start logs the binary's name, newline and escape sequence included.
  auto file = dir.write("jobs.yaml", "version: 1\njobs:\n"
                                     "  - id: forger\n    binary: \"/nonexistent/x\\nFORGED INFO fleet stopped\\e[2J\"\n"
                                     "    args: []\n    reconnect: false\n");
  Daemon d(dir, file);
  d.wait_event([](const Json& e) { return e["event"] == "state" && e["to"] == "failed"; });
  d.signal(SIGTERM);
  CHECK(d.wait_exit() == 0);
  std::string log = d.log();
  CAPTURE(log);
  CHECK(log.find("\nFORGED") == std::string::npos);
  CHECK(log.find('\x1b') == std::string::npos);
  CHECK(log.find("/nonexistent/x\\nFORGED INFO fleet stopped\\x1b[2J") != std::string::npos);
}

TEST_CASE("clean text: ffleet run refuses options that make no sense before anything runs", "[fleet][hardening]") {
  ScratchDir dir("run-options");
  auto file = dir.write("jobs.yaml", "version: 1\njobs: []\n");
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {FFLEET_BINARY, "run", file, "--control", ""};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_program(dir, args);
  };
  auto zero = run({"--sample-ms", "0"});
  CHECK(zero.code == 2);
  CHECK(zero.err.find("--sample-ms") != std::string::npos);
  CHECK(run({"--coalesce-ms", "-5"}).code == 2);
  CHECK(run({"--coalesce-ms", "100000"}).code == 2);
  auto directory = run({"--token-file", dir.path.string()});
  CHECK(directory.code == 2);
  CHECK(directory.err.find("is a directory") != std::string::npos);
  auto events = run({"--events", dir.file("no/such/dir/events.jsonl")});
  CHECK(events.code == 2);
  CHECK(events.err.find("--events " + dir.file("no/such/dir/events.jsonl") + ": No such file or directory") !=
        std::string::npos);
}

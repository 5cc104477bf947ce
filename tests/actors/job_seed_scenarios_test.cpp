// datarhei core's process tests (process_test.go), as scenarios
// against the job actor with real processes.
#include "fleet_fixture.hpp"

#include "config/values.hpp"

using namespace ffleet;
using namespace ffleet::test;

namespace {
CommandResult start(TestFleet& f, const job_actor& j) { return f.ask<CommandResult>(j, start_atom::value); }
CommandResult stop(TestFleet& f, const job_actor& j, ReplyWhen when = ReplyWhen::signalled) {
  return f.ask<CommandResult>(j, stop_atom::value, when);
}
}  // namespace

TEST_CASE("job: sleep runs, and a stop ends it killed (sleep dies of SIGINT)", "[job][seed]") {
  TestFleet f;
  auto j = f.spawn(job_spec("sleeper", "sleep", {"10"}));
  CHECK(f.status(j).state == State::finished);
  CHECK(f.status(j).order == Order::stop);
  start(f, j);
  f.wait_state("sleeper", "running");
  auto st = f.status(j);
  CHECK(st.state == State::running);
  CHECK(st.pid.has_value());
  CHECK(st.order == Order::start);
  stop(f, j);
  auto e = f.wait_exit("sleeper");
  CHECK(e["state"] == "killed");
  CHECK(e["signal"] == SIGINT);
  CHECK(e["exit_code"].is_null());
  CHECK(e["reason"] == "stopped by operator");
  st = f.status(j);
  CHECK(st.state == State::killed);
  CHECK_FALSE(st.pid.has_value());
  CHECK(st.cpu_percent == 0);
  CHECK(st.memory_bytes == 0);
}

TEST_CASE("job: the state changes of a short run are exactly finished>starting>running>finished", "[job][seed]") {
  TestFleet f;
  auto j = f.spawn(job_spec("short", "sleep", {"0.2"}));
  start(f, j);
  auto e = f.wait_exit("short");
  CHECK(e["state"] == "finished");
  CHECK(e["exit_code"] == 0);
  std::vector<std::string> changes;
  for (auto& ev : f.events())
    if (ev["event"] == "state") changes.push_back(ev["from"].get<std::string>() + ">" + ev["to"].get<std::string>());
  CHECK(changes == std::vector<std::string>{"finished>starting", "starting>running", "running>finished"});
  auto st = f.status(j);
  CHECK(st.states[State::starting] == 1);
  CHECK(st.states[State::running] == 1);
  CHECK(st.states[State::finished] == 1);
}

TEST_CASE("job: with reconnect a finished run restarts by itself, a second start does nothing", "[job][seed]") {
  TestFleet f;
  auto spec = job_spec("again", "sleep", {"0.3"});
  spec.reconnect = true;
  spec.reconnect_delay = 1s;
  auto j = f.spawn(spec);
  CHECK(start(f, j).message == "started");
  f.wait_exit("again");
  auto st = f.status(j);
  CHECK(st.state == State::finished);
  REQUIRE(st.reconnect_in_s.has_value());
  CHECK(*st.reconnect_in_s > 0);
  CHECK(start(f, j).message == "already started");
  auto run2 = f.wait_event([](const Json& e) { return e["event"] == "state" && e["to"] == "running" && e["run"] == 2; });
  CHECK(run2["from"] == "starting");
  f.wait_exit("again");
  stop(f, j);
  st = f.status(j);
  CHECK(st.order == Order::stop);
  CHECK_FALSE(st.reconnect_in_s.has_value());
}

TEST_CASE("job: a missing binary fails with the system's error text and no reconnect", "[job][seed]") {
  TestFleet f;
  auto j = f.spawn(job_spec("missing", "sloop"));
  start(f, j);
  auto e = f.wait_exit("missing");
  CHECK(e["state"] == "failed");
  CHECK(e["pid"].is_null());
  CHECK(e["reason"].get<std::string>().find("No such file or directory") != std::string::npos);
  auto st = f.status(j);
  CHECK(st.state == State::failed);
  CHECK_FALSE(st.reconnect_in_s.has_value());
  auto log = f.ask<std::vector<LogEntry>>(j, logs_atom::value, uint32_t{10});
  REQUIRE(log.size() == 1);
  CHECK(log[0].text.find("No such file or directory") != std::string::npos);
  auto reports = f.ask<std::vector<RunReport>>(j, report_atom::value);
  REQUIRE(reports.size() == 1);  // an immediate failure is saved in the history too
  CHECK(reports[0].exit_state == "failed");
}

TEST_CASE("job: a missing binary with reconnect schedules a restart", "[job][seed]") {
  TestFleet f;
  auto spec = job_spec("missing2", "sloop");
  spec.reconnect = true;
  spec.reconnect_delay = 2s;
  auto j = f.spawn(spec);
  start(f, j);
  f.wait_exit("missing2");
  auto st = f.status(j);
  REQUIRE(st.reconnect_in_s.has_value());
  CHECK(*st.reconnect_in_s > 0);
  f.wait_event([](const Json& e) { return e["event"] == "exit" && e["run"] == 2; });
}

TEST_CASE("job: a process exiting with code 1 ends failed", "[job][seed]") {
  TestFleet f;
  auto j = f.spawn(job_spec("bad-args", "sleep", {"hello"}));
  start(f, j);
  auto e = f.wait_exit("bad-args");
  CHECK(e["state"] == "failed");
  CHECK(e["exit_code"] == 1);
  CHECK(e["reason"] == "exit code 1");
}

TEST_CASE("job: stop with wait returns only after the process exited (exit 255 is finished)", "[job][seed]") {
  TestFleet f;
  auto j = f.spawn(job_spec("slow-stop", helper("helper_sigintwait")));
  start(f, j);
  f.wait_output(j, "waiting for SIGINT");
  auto t0 = std::chrono::steady_clock::now();
  auto r = stop(f, j, ReplyWhen::exited);
  auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(r.message == "stopped");
  CHECK(waited >= 2s);  // the helper sleeps 3 s after SIGINT; the reply came after its exit
  auto st = f.status(j);
  CHECK(st.state == State::finished);
  CHECK_FALSE(st.pid.has_value());
}

TEST_CASE("job: a process exiting 255 on SIGINT ends finished", "[job][seed]") {
  TestFleet f;
  auto j = f.spawn(job_spec("sigint", helper("helper_sigint")));
  start(f, j);
  f.wait_output(j, "waiting for SIGINT");
  stop(f, j);
  auto e = f.wait_exit("sigint");
  CHECK(e["state"] == "finished");
  CHECK(e["exit_code"] == 255);
}

TEST_CASE("job: a process ignoring SIGINT stays finishing, then is killed after stop_timeout", "[job][seed]") {
  TestFleet f;
  auto spec = job_spec("stubborn", helper("helper_ignoresigint"));
  spec.stop_timeout = 1s;
  auto j = f.spawn(spec);
  start(f, j);
  f.wait_output(j, "ignoring SIGINT");
  auto t0 = std::chrono::steady_clock::now();
  stop(f, j);
  f.wait_state("stubborn", "finishing");
  CHECK(f.status(j).state == State::finishing);
  auto e = f.wait_exit("stubborn");
  CHECK(std::chrono::steady_clock::now() - t0 >= 1s);
  CHECK(e["state"] == "killed");
  CHECK(e["signal"] == SIGKILL);
  CHECK(e["reason"].get<std::string>().find("SIGKILL after stop_timeout 1s") != std::string::npos);
}

TEST_CASE("job: no progress for stale_timeout stops the process with the reason in the log", "[job][seed]") {
  TestFleet f;
  auto spec = job_spec("stale", "sleep", {"30"});
  spec.stale_timeout = 1s;
  auto j = f.spawn(spec);
  start(f, j);
  auto stale = f.wait_event([](const Json& e) { return e["event"] == "stale"; });
  CHECK(stale["idle_s"].get<double>() >= 1.0);
  auto e = f.wait_exit("stale");
  CHECK(e["state"] == "killed");
  CHECK(e["reason"] == "stale timeout after 1s, no progress");
  auto log = f.ask<std::vector<LogEntry>>(j, logs_atom::value, uint32_t{5});
  REQUIRE_FALSE(log.empty());
  CHECK(log.back().text == "ffleet: stale timeout after 1s, no progress");
  CHECK(f.status(j).state == State::killed);
  CHECK(f.status(j).stale_kills == 1);
}

TEST_CASE("job: stale with reconnect goes killed, running, killed again", "[job][seed]") {
  TestFleet f;
  auto spec = job_spec("stale-loop", "sleep", {"30"});
  spec.stale_timeout = 1s;
  spec.reconnect = true;
  spec.reconnect_delay = 500ms;
  auto j = f.spawn(spec);
  start(f, j);
  f.wait_state("stale-loop", "killed");
  f.wait_event([](const Json& e) { return e["event"] == "state" && e["to"] == "running" && e["run"] == 2; });
  auto again = f.wait_state("stale-loop", "killed");
  CHECK(again["run"] == 2);
}

TEST_CASE("job: progress keeps a job from going stale", "[job][seed]") {
  TestFleet f;
  auto spec = job_spec("busy", helper("helper_fakeffmpeg"), {"--interval-ms", "100", "--stall-after-ms", "2500"});
  spec.stale_timeout = 1s;
  auto j = f.spawn(spec);
  start(f, j);
  f.wait_state("busy", "running");
  auto t0 = std::chrono::steady_clock::now();
  auto stale = f.wait_event([](const Json& e) { return e["event"] == "stale"; });
  // The helper printed progress for 2.5 s, then stalled: stale fires 1 s later.
  CHECK(std::chrono::steady_clock::now() - t0 >= 3s);
  auto st = f.status(j);
  REQUIRE(st.progress.has_value());
  CHECK(st.progress->frame > 10);
  CHECK(stale["idle_s"].get<double>() >= 1.0);
}

TEST_CASE("job: timeout stops the job after its maximum runtime, the order stays start", "[job][seed]") {
  TestFleet f;
  auto spec = job_spec("timed", helper("helper_sigint"));
  spec.timeout = 1s;
  auto j = f.spawn(spec);
  auto t0 = std::chrono::steady_clock::now();
  start(f, j);
  f.wait_event([](const Json& e) { return e["event"] == "timeout"; });
  auto e = f.wait_exit("timed");
  CHECK(std::chrono::steady_clock::now() - t0 >= 900ms);
  CHECK(e["state"] == "finished");
  CHECK(e["reason"] == "timeout after 1s");
  CHECK(f.status(j).order == Order::start);
}

TEST_CASE("job: kill ends the process with SIGINT, says so, and keeps the order: it reconnects", "[job]") {
  TestFleet f;
  auto spec = job_spec("killed", "sleep", {"30"});
  spec.reconnect = true;
  spec.reconnect_delay = 100ms;
  auto j = f.spawn(spec);
  start(f, j);
  f.wait_state("killed", "running");
  CHECK(f.ask<CommandResult>(j, kill_atom::value).message == "killing");
  auto e = f.wait_exit("killed");
  CHECK(e["signal"] == SIGINT);
  CHECK(e["reason"] == "kill by operator: SIGINT, order kept");
  auto log = f.ask<std::vector<LogEntry>>(j, logs_atom::value, uint32_t{10});
  REQUIRE_FALSE(log.empty());
  CHECK(log.back().text == "ffleet: kill by operator: SIGINT, order kept");
  f.wait_event([](const Json& e) { return e["event"] == "state" && e["job"] == "killed" && e["to"] == "running" && e["run"] == 2; });
  CHECK(f.status(j).order == Order::start);
}

TEST_CASE("job: an immediate stop during a graceful one kills at once, and the reason does not blame stop_timeout", "[job]") {
  TestFleet f;
  auto spec = job_spec("stubborn2", helper("helper_ignoresigint"));
  spec.stop_timeout = 120s;  // far beyond the wait below: only the immediate stop can end it in time
  auto j = f.spawn(spec);
  start(f, j);
  f.wait_output(j, "ignoring SIGINT");
  f.self()->send(j, quit_atom::value, QuitOrder{StopMode::graceful, "shutdown"});
  f.wait_state("stubborn2", "finishing");
  f.self()->send(j, quit_atom::value, QuitOrder{StopMode::immediate, "shutdown"});
  auto e = f.wait_exit("stubborn2", 60s);
  CHECK(e["state"] == "killed");
  CHECK(e["signal"] == SIGKILL);
  CHECK(e["reason"] == "shutdown; SIGKILL at once");
}

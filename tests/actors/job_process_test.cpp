// The job actor against hard processes: grandchildren holding the pipe,
// floods, endless lines, limits, many jobs at once, and real ffmpeg.
#include "fleet_fixture.hpp"
#include "process_probe.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace ffleet;
using namespace ffleet::test;

namespace {
void start(TestFleet& f, const job_actor& j) { f.ask<CommandResult>(j, start_atom::value); }
void stop(TestFleet& f, const job_actor& j) { f.ask<CommandResult>(j, stop_atom::value, ReplyWhen::signalled); }


// Runs a shell command and returns its exit code.
int sh(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
}  // namespace

TEST_CASE("job: every stderr line of a run is read before the run ends", "[job][process]") {
  TestFleet f;
  auto spec = job_spec("lines", helper("helper_lines"), {"10000", "3"});
  spec.log_lines = 20000;
  auto j = f.spawn(spec);
  start(f, j);
  auto e = f.wait_exit("lines");
  CHECK(e["state"] == "failed");
  CHECK(e["exit_code"] == 3);
  auto log = f.ask<std::vector<LogEntry>>(j, logs_atom::value, uint32_t{20000});
  REQUIRE(log.size() == 10000);
  for (size_t i = 0; i < 10000; ++i) REQUIRE(log[i].text == "line " + std::to_string(i + 1));
}

TEST_CASE("job: a grandchild holding the pipe open does not stop the stop, it is gone afterwards", "[job][process]") {
  TestFleet f;
  auto spec = job_spec("forker", helper("helper_forker"));
  spec.stop_timeout = 2s;
  auto j = f.spawn(spec);
  start(f, j);
  // The helper prints the grandchild's pid once it forked it.
  auto line = f.wait_output(j, "grandchild");
  pid_t grandchild = 0;
  REQUIRE(std::sscanf(line.c_str(), "helper_forker: pid %*d grandchild %d", &grandchild) == 1);
  REQUIRE(grandchild > 0);
  CHECK_FALSE(process_gone(grandchild));
  stop(f, j);
  // The child's own exit ends the run (it exits 255 on SIGINT): no SIGKILL
  // was needed although the grandchild still held the pipe.
  auto e = f.wait_exit("forker", 20s);
  CHECK(e["state"] == "finished");
  CHECK(e["exit_code"] == 255);
  CHECK(e["reason"] == "stopped by operator");
  CHECK(f.status(j).state == State::finished);
  CHECK(eventually([&] { return process_gone(grandchild); }, 5s));
}

TEST_CASE("job: a child writing 100 MB to stderr as fast as it can never blocks, memory stays bounded", "[job][process]") {
  TestFleet f;
  auto j = f.spawn(job_spec("flood", helper("helper_flood"), {"100000000"}));
  start(f, j);
  auto e = f.wait_exit("flood", 120s);
  CHECK(e["state"] == "finished");
  auto st = f.status(j);
  CHECK(st.last_line == "flood done: 100000000 bytes");
  auto log = f.ask<std::vector<LogEntry>>(j, logs_atom::value, uint32_t{1000});
  CHECK(log.size() <= 100);  // the ring holds log_lines, not the flood
}

TEST_CASE("job: a 1 MB line without a newline is cut, not buffered whole", "[job][process]") {
  TestFleet f;
  auto j = f.spawn(job_spec("longline", helper("helper_longline"), {"1048576"}));
  start(f, j);
  auto e = f.wait_exit("longline");
  CHECK(e["state"] == "finished");
  auto log = f.ask<std::vector<LogEntry>>(j, logs_atom::value, uint32_t{10});
  REQUIRE_FALSE(log.empty());
  CHECK(log.front().text.size() <= 64 * 1024 + 64);
  CHECK(log.front().text.find("[truncated]") != std::string::npos);
}

TEST_CASE("job: a CPU burner over its limit is killed after the limit's duration", "[job][process][limits]") {
  TestFleet f;
  auto spec = job_spec("burner", helper("helper_cpuburn"));
  spec.limits.cpu = 30;
  spec.limits.duration = 1s;
  auto j = f.spawn(spec);
  start(f, j);
  auto limit = f.wait_event([](const Json& e) { return e["event"] == "limit"; });
  CHECK(limit["resource"] == "cpu");
  CHECK(limit["value"].get<double>() > 30);
  CHECK(limit["limit"] == 30.0);
  auto e = f.wait_exit("burner");
  CHECK(e["reason"].get<std::string>().rfind("limit exceeded: cpu", 0) == 0);
  auto st = f.status(j);
  CHECK(st.limit_kills == 1);
  auto reports = f.ask<std::vector<RunReport>>(j, report_atom::value);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].usage.cpu_max > 30);
}

TEST_CASE("job: a memory hog over its limit is killed", "[job][process][limits]") {
  TestFleet f;
  auto spec = job_spec("hog", helper("helper_memhog"), {"200000000"});
  spec.limits.memory = 50 * 1024 * 1024;
  spec.limits.duration = 0ms;
  auto j = f.spawn(spec);
  start(f, j);
  auto limit = f.wait_event([](const Json& e) { return e["event"] == "limit"; });
  CHECK(limit["resource"] == "memory");
  CHECK(limit["value"].get<double>() > 50.0 * 1024 * 1024);
  f.wait_exit("hog");
}

TEST_CASE("job: 200 jobs start and stop together", "[job][process][many]") {
  TestFleet f;
  std::vector<job_actor> jobs;
  for (int i = 0; i < 200; ++i) {
    auto spec = job_spec("many-" + std::to_string(i), helper("helper_sigint"));
    jobs.push_back(f.spawn(spec));
  }
  for (auto& j : jobs) f.self()->send(j, start_atom::value);
  int running = 0;
  f.wait_event([&](const Json& e) { return e["event"] == "state" && e["to"] == "running" && ++running == 200; }, 60s);
  // Stop only once every helper is ready, or an early SIGINT kills it before
  // it installed its handler (then it ends killed, not finished).
  for (auto& j : jobs) f.wait_output(j, "waiting for SIGINT", 60s);
  for (auto& j : jobs) f.self()->send(j, stop_atom::value, ReplyWhen::signalled);
  int finished = 0;
  f.wait_event([&](const Json& e) { return e["event"] == "exit" && e["state"] == "finished" && ++finished == 200; },
               60s);
  for (auto& j : jobs) CHECK_FALSE(f.status(j).pid.has_value());
}

TEST_CASE("job: real ffmpeg encoding to MP4, stopped, ends finished with a valid file", "[job][process][ffmpeg]") {
  TestFleet f;
  auto dir = std::filesystem::temp_directory_path() / ("ffleet-mp4-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto out = (dir / "out.mp4").string();
  auto spec = job_spec("mp4", "ffmpeg",
                       {"-hide_banner", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                        "-c:v", "mpeg4", "-y", out});
  auto j = f.spawn(spec);
  start(f, j);
  f.wait_state("mp4", "running");
  // Wait until ffmpeg reported real progress, then stop it.
  eventually([&] {
    auto st = f.status(j);
    return st.progress && st.progress->frame >= 25;
  });
  auto st = f.status(j);
  REQUIRE(st.progress.has_value());
  CHECK(st.progress->frame >= 25);
  stop(f, j);
  auto e = f.wait_exit("mp4");
  CHECK(e["state"] == "finished");
  CHECK(e["exit_code"] == 255);
  // ffprobe reads the duration only when the moov atom was written.
  CHECK(sh("ffprobe -v error -show_entries format=duration -of csv=p=0 '" + out + "' > /dev/null") == 0);
  std::filesystem::remove_all(dir);
}

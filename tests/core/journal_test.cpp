// A job's journal: the log ring, the run reports and what status shows
// between runs.
#include <catch2/catch.hpp>

#include "src/job/journal.hpp"

using namespace ffleet;
using namespace std::chrono_literals;

namespace {
const WallTime t0 = WallTime{} + 1795698000s;

std::vector<LogEntry> lines(std::initializer_list<const char*> texts, WallTime at = t0) {
  std::vector<LogEntry> out;
  for (auto* t : texts) out.push_back(LogEntry{at, t});
  return out;
}

std::vector<std::string> texts(const std::vector<LogEntry>& entries) {
  std::vector<std::string> out;
  for (auto& e : entries) out.push_back(e.text);
  return out;
}

OutputSummary summary(const std::string& last_line, uint64_t frame) {
  OutputSummary s;
  Progress p;
  p.frame = frame;
  s.progress = p;
  s.last_line = last_line;
  s.prelude = {"Input #0", "Stream mapping:"};
  s.levels.add(LogLevel::error);
  return s;
}
}  // namespace

TEST_CASE("journal: a run's report holds its own lines, summary, exit and usage", "[journal]") {
  JobJournal j(100, 5);
  j.run_started(1, t0);
  j.add_lines(lines({"old run line"}));
  j.run_ended(RunOutcome{State::failed, ExitStatus{1, 0, false}, "exit code 1", false, {}}, t0 + 1s);

  j.run_started(2, t0 + 2s);
  j.add_lines(lines({"a", "b"}));
  j.add_lines(lines({"c"}));
  j.add_summary(summary("frame=  42 fps=25", 42));
  ResourceStats usage{150, 80, 2000, 1000};
  j.run_ended(RunOutcome{State::killed, ExitStatus{-1, 9, false}, "stopped by operator", true, usage}, t0 + 5s);

  auto reports = j.reports();
  REQUIRE(reports.size() == 2);
  const RunReport& r = reports[1];
  CHECK(r.run == 2);
  CHECK(r.started == t0 + 2s);
  CHECK(r.ended == t0 + 5s);
  CHECK(r.exit_state == "killed");
  CHECK(r.signal == 9);
  CHECK_FALSE(r.exit_code);
  CHECK(r.reason == "stopped by operator");
  // Only this run's lines, ffleet's reason last.
  CHECK(texts(r.log) == std::vector<std::string>{"a", "b", "c", "ffleet: stopped by operator"});
  REQUIRE(r.last_progress);
  CHECK(r.last_progress->frame == 42);
  CHECK(r.prelude == std::vector<std::string>{"Input #0", "Stream mapping:"});
  CHECK(r.levels[LogLevel::error] == 1);
  CHECK(r.usage.cpu_max == 150);
  CHECK(reports[0].exit_code == 1);
  CHECK_FALSE(reports[0].signal);
  CHECK(texts(reports[0].log) == std::vector<std::string>{"old run line"});
  // The whole log spans runs; status between runs shows the last run's end.
  CHECK(texts(j.tail(100)) == std::vector<std::string>{"old run line", "a", "b", "c", "ffleet: stopped by operator"});
  CHECK(j.last_line() == "frame=  42 fps=25");
  REQUIRE(j.last_progress());
  CHECK(j.last_progress()->frame == 42);
}

TEST_CASE("journal: a run without output keeps the previous last line, not its progress", "[journal]") {
  JobJournal j(10, 5);
  j.run_started(1, t0);
  j.add_summary(summary("last words", 7));
  j.run_ended(RunOutcome{State::finished, ExitStatus{0, 0, false}, "exit code 0", false, {}}, t0);
  j.run_started(2, t0 + 1s);
  CHECK_FALSE(j.last_progress());  // a new run has made no progress yet
  j.add_summary(OutputSummary{});
  j.run_ended(RunOutcome{State::failed, ExitStatus{1, 0, false}, "exit code 1", false, {}}, t0 + 2s);
  CHECK(j.last_line() == "last words");
  CHECK_FALSE(j.last_progress());
  CHECK_FALSE(j.reports().back().last_progress);
}

TEST_CASE("journal: a failed start is a run with the error as its only line and no exit status", "[journal]") {
  JobJournal j(10, 5);
  j.run_started(1, t0);
  j.failed_start("cannot run \"sloop\": No such file or directory", t0);
  auto r = j.reports().at(0);
  CHECK(r.run == 1);
  CHECK(r.exit_state == "failed");
  CHECK_FALSE(r.exit_code);
  CHECK_FALSE(r.signal);
  CHECK(r.reason == "cannot run \"sloop\": No such file or directory");
  CHECK(texts(r.log) == std::vector<std::string>{"cannot run \"sloop\": No such file or directory"});
  CHECK(j.last_line() == r.reason);
}

TEST_CASE("journal: the ring and the history are bounded, a resize keeps the newest", "[journal]") {
  JobJournal j(3, 2);
  for (uint64_t run = 1; run <= 3; ++run) {
    j.run_started(run, t0);
    j.add_lines(lines({"x", "y"}));
    j.run_ended(RunOutcome{State::finished, ExitStatus{0, 0, false}, "exit code 0", false, {}}, t0);
  }
  CHECK(j.tail(100).size() == 3);
  auto reports = j.reports();
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].run == 2);
  CHECK(reports[1].run == 3);
  CHECK(reports[1].log.size() == 2);

  j.resize(1, 1);
  CHECK(texts(j.tail(100)) == std::vector<std::string>{"y"});
  REQUIRE(j.reports().size() == 1);
  CHECK(j.reports()[0].run == 3);
  j.resize(0, 0);  // at least one of each survives
  CHECK(j.tail(100).size() == 1);
  CHECK(j.reports().size() == 1);
}

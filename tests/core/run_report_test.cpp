// Run reports and the history of the last few.
#include <catch2/catch.hpp>

#include <chrono>

#include <nlohmann/json.hpp>

#include "src/job/run_report.hpp"

using namespace ffleet;
using namespace std::chrono_literals;

namespace {
RunReport sample_report() {
  RunReport r;
  r.run = 3;
  r.started = WallTime{} + 1795698000s + 123456us;
  r.ended = r.started + 12500ms;
  r.exit_state = "failed";
  r.exit_code = 1;
  r.reason = "exit code 1";
  Progress p;
  p.frame = 1234;
  p.size_bytes = 1048576;
  r.last_progress = p;
  r.prelude = {"Input #0, lavfi", "... 3 lines truncated ...", "Stream mapping:"};
  r.log = {LogEntry{r.ended, "[error] Conversion failed!"}};
  r.levels.add(LogLevel::error);
  r.usage = ResourceStats{150.5, 80.25, 123456789, 100000000};
  return r;
}
}  // namespace

TEST_CASE("run report: serializes every field, times in RFC 3339, absent values as null") {
  nlohmann::json j = sample_report();
  CHECK(j["run"] == 3);
  CHECK(j["started"] == "2026-11-26T13:00:00.123456Z");
  CHECK(j["ended"] == "2026-11-26T13:00:12.623456Z");
  CHECK(j["runtime_s"] == Approx(12.5));
  CHECK(j["exit_state"] == "failed");
  CHECK(j["exit_code"] == 1);
  CHECK(j["signal"].is_null());
  CHECK(j["reason"] == "exit code 1");
  CHECK(j["last_progress"]["frame"] == 1234);
  CHECK(j["prelude"].size() == 3);
  CHECK(j["prelude"][1] == "... 3 lines truncated ...");
  CHECK(j["log"][0]["text"] == "[error] Conversion failed!");
  CHECK(j["log"][0]["ts"] == "2026-11-26T13:00:12.623456Z");
  CHECK(j["levels"]["error"] == 1);
  CHECK(j["usage"]["cpu_max"] == 150.5);
  CHECK(j["usage"]["memory_avg"] == 100000000);

  RunReport killed;
  killed.exit_state = "killed";
  killed.signal = 9;
  nlohmann::json k = killed;
  CHECK(k["exit_code"].is_null());
  CHECK(k["signal"] == 9);
  CHECK(k["last_progress"].is_null());
  CHECK(k["prelude"].is_array());
  CHECK(k["log"].is_array());
}

TEST_CASE("run report: child text that is not UTF-8 is replaced, so the report always dumps") {
  RunReport r = sample_report();
  r.prelude.push_back("title: caf\xe9");
  r.log.push_back(LogEntry{r.ended, std::string("nul \0 and \xc0\xaf", 12)});
  r.reason = "\xff";
  nlohmann::json j = r;
  std::string dumped;
  REQUIRE_NOTHROW(dumped = j.dump());
  CHECK(j["prelude"][3] == "title: caf\xEF\xBF\xBD");
  CHECK(j["log"][1]["text"] == std::string("nul \0 and \xEF\xBF\xBD\xEF\xBF\xBD", 16));
  CHECK(j["reason"] == "\xEF\xBF\xBD");
}

TEST_CASE("run report: the history keeps the last capacity reports, oldest first (seed: capped at 5)") {
  ReportHistory history(5);
  for (uint64_t run = 1; run <= 8; ++run) {
    RunReport r;
    r.run = run;
    history.push(std::move(r));
  }
  REQUIRE(history.reports().size() == 5);
  CHECK(history.reports().front().run == 4);
  CHECK(history.reports().back().run == 8);

  ReportHistory none(0);
  none.push(RunReport{});
  CHECK(none.reports().empty());
}

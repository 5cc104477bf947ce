// The Prometheus text formatter: families, labels, escaping, values.
#include <catch2/catch.hpp>

#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include "src/control/metrics_format.hpp"

using namespace ffleet;

namespace {

JobStatus job(const std::string& id, State state) {
  JobStatus s;
  s.id = id;
  s.state = state;
  return s;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string metrics(std::vector<JobStatus> jobs, std::optional<ProcessUsage> self = std::nullopt) {
  return format_metrics(MetricsInput{std::move(jobs), self, "1.2.3"});
}

bool has_line(const std::string& text, const std::string& line) {
  for (auto& l : lines(text))
    if (l == line) return true;
  return false;
}

}  // namespace

TEST_CASE("metrics: label values escape backslash, quote and newline", "[metrics]") {
  CHECK(escape_label_value("plain-id_1.x") == "plain-id_1.x");
  CHECK(escape_label_value("a\\b") == "a\\\\b");
  CHECK(escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
  CHECK(escape_label_value("two\nlines") == "two\\nlines");
}

TEST_CASE("metrics: sample values", "[metrics]") {
  CHECK(format_sample_value(0) == "0");
  CHECK(format_sample_value(3) == "3");
  CHECK(format_sample_value(12345678901.0) == "12345678901");
  CHECK(format_sample_value(12.5) == "12.5");
  CHECK(format_sample_value(0.1) == "0.1");
  CHECK(format_sample_value(-2.25) == "-2.25");
  CHECK(format_sample_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(format_sample_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_sample_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(std::stod(format_sample_value(1.0 / 3)) == 1.0 / 3);  // round-trips
}

TEST_CASE("metrics: one state gauge per job and state, 1 for the current one, and the label is id", "[metrics]") {
  auto a = job("cam-1", State::running);
  a.states.entered = {0, 3, 3, 0, 2, 0};
  a.order = Order::start;
  auto b = job("cam-2", State::failed);
  auto text = metrics({a, b});
  CHECK(has_line(text, "# TYPE ffleet_job_state gauge"));
  CHECK(has_line(text, "ffleet_job_state{id=\"cam-1\",state=\"running\"} 1"));
  CHECK(has_line(text, "ffleet_job_state{id=\"cam-1\",state=\"failed\"} 0"));
  CHECK(has_line(text, "ffleet_job_state{id=\"cam-2\",state=\"failed\"} 1"));
  int ones = 0, samples = 0;
  for (auto& l : lines(text))
    if (l.rfind("ffleet_job_state{", 0) == 0) {
      ++samples;
      ones += l.back() == '1';
    }
  CHECK(samples == 12);
  CHECK(ones == 2);
  CHECK(has_line(text, "ffleet_job_order{id=\"cam-1\",order=\"start\"} 1"));
  CHECK(has_line(text, "ffleet_job_order{id=\"cam-1\",order=\"stop\"} 0"));
  CHECK(has_line(text, "ffleet_job_order{id=\"cam-2\",order=\"stop\"} 1"));
  CHECK(has_line(text, "# TYPE ffleet_job_transitions_total counter"));
  CHECK(has_line(text, "ffleet_job_transitions_total{id=\"cam-1\",state=\"starting\"} 3"));
  CHECK(has_line(text, "ffleet_job_transitions_total{id=\"cam-1\",state=\"failed\"} 2"));
  CHECK(has_line(text, "ffleet_jobs{state=\"running\"} 1"));
  CHECK(has_line(text, "ffleet_jobs{state=\"failed\"} 1"));
  CHECK(has_line(text, "ffleet_jobs{state=\"killed\"} 0"));
  CHECK(text.find("job=") == std::string::npos);  // Prometheus's own label is left alone
}

TEST_CASE("metrics: per-job counters and gauges in base units", "[metrics]") {
  auto a = job("a", State::running);
  a.pid = 4242;
  a.restarts = 4;
  a.cpu_seconds_total = 12.5;
  a.memory_bytes = 123456789;
  a.process_started = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000250));
  a.frames_total = 99999;
  a.stale_kills = 1;
  a.limit_kills = 2;
  a.progress = Progress{};
  a.progress->frame = 1234;
  a.progress->fps = 25;
  a.progress->speed = 1.01;
  a.progress->bitrate_kbps = 170.5;
  auto b = job("b", State::failed);
  b.gave_up = true;
  auto text = metrics({a, b});
  CHECK(has_line(text, "ffleet_job_restarts_total{id=\"a\"} 4"));
  CHECK(has_line(text, "# TYPE ffleet_job_cpu_seconds_total counter"));
  CHECK(has_line(text, "ffleet_job_cpu_seconds_total{id=\"a\"} 12.5"));
  CHECK(has_line(text, "ffleet_job_resident_memory_bytes{id=\"a\"} 123456789"));
  CHECK(has_line(text, "ffleet_job_start_time_seconds{id=\"a\"} 1700000000.25"));
  CHECK(has_line(text, "# TYPE ffleet_job_frames_total counter"));
  CHECK(has_line(text, "ffleet_job_frames_total{id=\"a\"} 99999"));
  CHECK(has_line(text, "ffleet_job_fps{id=\"a\"} 25"));
  CHECK(has_line(text, "ffleet_job_speed_ratio{id=\"a\"} 1.01"));
  CHECK(has_line(text, "ffleet_job_output_bytes_per_second{id=\"a\"} 21312.5"));
  CHECK(has_line(text, "ffleet_job_stale_kills_total{id=\"a\"} 1"));
  CHECK(has_line(text, "ffleet_job_limit_kills_total{id=\"a\"} 2"));
  CHECK(has_line(text, "ffleet_job_gave_up{id=\"a\"} 0"));
  CHECK(has_line(text, "ffleet_job_gave_up{id=\"b\"} 1"));
  CHECK(has_line(text, "ffleet_job_restarts_total{id=\"b\"} 0"));
  CHECK(text.find("ffleet_job_start_time_seconds{id=\"b\"}") == std::string::npos);  // no process
  CHECK(has_line(text, "ffleet_build_info{version=\"1.2.3\"} 1"));
  CHECK(text.find("process_cpu_seconds_total") == std::string::npos);  // not asked for
}

TEST_CASE("metrics: a stopped job's last figures are not shown as live ones", "[metrics]") {
  auto stopped = job("s", State::finished);
  stopped.progress = Progress{};
  stopped.progress->frame = 500;
  stopped.progress->fps = 25;
  stopped.progress->speed = 1;
  stopped.progress->bitrate_kbps = 300;
  stopped.frames_total = 500;
  auto text = metrics({stopped});
  CHECK(text.find("ffleet_job_fps{") == std::string::npos);
  CHECK(text.find("ffleet_job_speed_ratio{") == std::string::npos);
  CHECK(text.find("ffleet_job_output_bytes_per_second{") == std::string::npos);
  CHECK(has_line(text, "ffleet_job_frames_total{id=\"s\"} 500"));  // a counter keeps its value
}

TEST_CASE("metrics: every family has HELP and TYPE once, before its samples", "[metrics]") {
  auto a = job("a", State::running);
  a.progress = Progress{};
  ProcessUsage self;
  self.cpu_seconds = 1.5;
  self.resident_bytes = 4096;
  self.virtual_bytes = 8192;
  self.start_time_s = 1700000000.5;
  self.open_fds = 12;
  self.max_fds = 1024;
  auto text = metrics({a, job("b", State::killed)}, self);
  CHECK(has_line(text, "process_cpu_seconds_total 1.5"));
  CHECK(has_line(text, "process_resident_memory_bytes 4096"));
  CHECK(has_line(text, "process_virtual_memory_bytes 8192"));
  CHECK(has_line(text, "process_start_time_seconds 1700000000.5"));
  CHECK(has_line(text, "process_open_fds 12"));
  CHECK(has_line(text, "process_max_fds 1024"));
  std::regex sample(R"(^([a-z_]+)(\{[^}]*\})? \S+$)");
  std::set<std::string> typed, helped, finished;
  std::string current;
  for (auto& l : lines(text)) {
    INFO(l);
    if (l.rfind("# HELP ", 0) == 0) {
      auto name = l.substr(7, l.find(' ', 7) - 7);
      CHECK(helped.insert(name).second);
      if (!current.empty()) finished.insert(current);
      current = name;
      continue;
    }
    if (l.rfind("# TYPE ", 0) == 0) {
      auto name = l.substr(7, l.find(' ', 7) - 7);
      CHECK(name == current);
      CHECK(typed.insert(name).second);
      auto type = l.substr(l.rfind(' ') + 1);
      CHECK((type == "gauge" || type == "counter"));
      bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
      CHECK(total == (type == "counter"));
      continue;
    }
    std::smatch m;
    REQUIRE(std::regex_match(l, m, sample));
    CHECK(m[1] == current);  // samples of a family are contiguous
    CHECK(finished.count(m[1]) == 0);
  }
  CHECK(typed.size() == 22);
  CHECK(text.back() == '\n');
}

TEST_CASE("metrics: a job id with characters that need escaping stays one label", "[metrics]") {
  auto text = metrics({job("we\"ird\\id", State::running)});
  CHECK(has_line(text, "ffleet_job_restarts_total{id=\"we\\\"ird\\\\id\"} 0"));
}

TEST_CASE("metrics: an empty fleet still has every fleet-wide family", "[metrics]") {
  auto text = metrics({}, ProcessUsage{});
  CHECK(has_line(text, "ffleet_jobs{state=\"finished\"} 0"));
  CHECK(has_line(text, "# TYPE ffleet_job_state gauge"));
  CHECK(has_line(text, "ffleet_build_info{version=\"1.2.3\"} 1"));
  CHECK(has_line(text, "process_resident_memory_bytes 0"));
  CHECK(text.find("process_max_fds") == std::string::npos);  // unlimited: no made-up number
}

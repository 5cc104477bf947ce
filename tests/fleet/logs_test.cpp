// Per-job log files and following a log, against a real daemon: the file and
// its rotation, `ctl logs -f` and `--json`, the HTTP log stream with
// Last-Event-ID, a flood that must neither block the child nor grow the
// daemon, and files that cannot be written (at start: exit 1; later:
// logged once and counted in /metrics).
#include "control_helpers.hpp"

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <regex>

using namespace ffleet::test;

namespace {

// A job printing "tick N" to stderr five times a second, forever.
std::string ticker_job(const std::string& log_file, const std::string& extra = "") {
  return "  - id: ticker\n"
         "    binary: sh\n"
         "    args: [\"-c\", \"i=0; while :; do i=$((i+1)); echo tick $i >&2; sleep 0.2; done\"]\n"
         "    inherit_env: [PATH]\n"
         "    log_file: \"" + log_file + "\"\n" + extra;
}

// A program left running in the background (ctl logs -f), its stdout in a file.
struct Background {
  pid_t pid = -1;
  std::string out;
  Background(const ScratchDir& dir, std::vector<std::string> args, const std::string& name) : out(dir.file(name)) {
    pid = spawn_to_files(std::move(args), out, out + ".err");
  }
  ~Background() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  std::string text() const { return slurp(out); }
};

// The highest N of the "tick N" lines in `text` (0 when none).
long last_tick(const std::string& text) {
  long last = 0;
  std::regex tick(R"(tick (\d+))");
  for (auto i = std::sregex_iterator(text.begin(), text.end(), tick); i != std::sregex_iterator(); ++i)
    last = std::max(last, std::stol((*i)[1].str()));
  return last;
}

uint64_t peak_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

// The value of an unlabelled sample in a /metrics body, or -1.
double metric(const std::string& body, const std::string& name) {
  std::smatch m;
  if (std::regex_search(body, m, std::regex("\\n" + name + " ([0-9.e+]+)\\n"))) return std::stod(m[1].str());
  return -1;
}

httplib::Client client(uint16_t port) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30, 0);
  c.set_connection_timeout(5, 0);
  return c;
}

}  // namespace

TEST_CASE("log_file: the job's lines with their time, rotated by size, ctl logs -f and --json follow them", "[fleet][logs]") {
  ScratchDir dir("logfile");
  auto log = dir.file("ticker.log");
  auto file = dir.write("jobs.yaml", fake_fleet(ticker_job(dir.file("{id}.log"), "    log_max_size: 300\n    log_keep: 2\n")));
  Daemon d(dir, file, {}, "127.0.0.1:0");
  auto port = listening_port(d, "control");
  d.wait_event(running("ticker"));

  // Each line as "<RFC 3339 UTC> <text>", in order.
  REQUIRE(eventually([&] { return slurp(log + ".1").find("tick") != std::string::npos; }));
  auto first = lines_of(slurp(log + ".1"));
  REQUIRE_FALSE(first.empty());
  std::regex stamped(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z tick \d+)");
  for (auto& line : first) CHECK(std::regex_match(line, stamped));
  // Rotated at 300 bytes, two old files kept: .2 appears, .3 never does.
  REQUIRE(eventually([&] { return std::filesystem::exists(log + ".2") && last_tick(slurp(log)) > last_tick(slurp(log + ".2")) + 10; }));
  CHECK_FALSE(std::filesystem::exists(log + ".3"));
  CHECK(std::filesystem::file_size(log + ".1") <= 300);

  // -f: the last line, then every new one.
  Background follow(dir, {FFLEET_BINARY, "ctl", "--connect", "127.0.0.1:" + std::to_string(port), "logs", "ticker", "-n", "1", "-f"}, "follow.out");
  REQUIRE(eventually([&] { return last_tick(follow.text()) > 0; }));
  long seen_first = last_tick(follow.text());
  CHECK(eventually([&] { return last_tick(follow.text()) >= seen_first + 5; }));
  auto followed = lines_of(follow.text());
  for (size_t i = 1; i < followed.size(); ++i)  // consecutive, none twice
    CHECK(last_tick(followed[i]) == last_tick(followed[i - 1]) + 1);

  // --json: a JSON object a line, numbered.
  auto json = ctl(dir, port, {"logs", "ticker", "-n", "3", "--json"});
  REQUIRE(json.code == 0);
  auto rows = lines_of(json.out);
  REQUIRE(rows.size() == 3);
  auto a = Json::parse(rows[0]), b = Json::parse(rows[1]);
  CHECK(a["text"].get<std::string>().rfind("tick ", 0) == 0);
  CHECK(a.contains("ts"));
  CHECK(b["seq"].get<uint64_t>() == a["seq"].get<uint64_t>() + 1);

  // -f on a job that does not exist: exit 1 at once.
  auto unknown = ctl(dir, port, {"logs", "nope", "-f"});
  CHECK(unknown.code == 1);
  CHECK(unknown.err.find("nope") != std::string::npos);
}

TEST_CASE("http: /log?follow=1 streams the log as server-sent events and resumes after Last-Event-ID", "[fleet][logs][http]") {
  ScratchDir dir("logfollow-http");
  auto file = dir.write("jobs.yaml", fake_fleet(ticker_job(dir.file("{id}.log"))));
  Daemon d(dir, file, {"--http", "127.0.0.1:0"});
  auto port = listening_port(d, "http");
  d.wait_event(running("ticker"));

  // Reads the stream until `events` events came; returns their (id, data).
  auto read_events = [&](size_t events, httplib::Headers headers) {
    std::string received;
    std::vector<std::pair<uint64_t, Json>> out;
    auto c = client(port);
    auto r = c.Get("/api/v1/jobs/ticker/log?follow=1&n=2", headers, [&](const char* data, size_t n) {
      received.append(data, n);
      out.clear();
      std::regex event(R"(id: (\d+)\ndata: (\{[^\n]*\})\n\n)");
      for (auto i = std::sregex_iterator(received.begin(), received.end(), event); i != std::sregex_iterator(); ++i)
        out.emplace_back(std::stoull((*i)[1].str()), Json::parse((*i)[2].str()));
      return out.size() < events;
    });
    return out;
  };
  auto first = read_events(5, {});
  REQUIRE(first.size() >= 5);
  for (size_t i = 0; i < first.size(); ++i) {
    CHECK(first[i].second["seq"].get<uint64_t>() == first[i].first);
    CHECK(first[i].second["text"].get<std::string>().rfind("tick ", 0) == 0);
    if (i > 0) CHECK(first[i].first == first[i - 1].first + 1);
  }
  // A reconnecting EventSource sends the last id it saw: the stream goes on from there.
  uint64_t last = first[2].first;
  auto resumed = read_events(1, {{"Last-Event-ID", std::to_string(last)}});
  REQUIRE_FALSE(resumed.empty());
  CHECK(resumed[0].first == last + 1);

  auto unknown = client(port).Get("/api/v1/jobs/nope/log?follow=1");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
}

TEST_CASE("log_file: a child writing 100 MB as fast as it can is never blocked, the daemon stays small, every line is in the file or counted", "[fleet][logs][flood]") {
  ScratchDir dir("logfile-flood");
  auto log = dir.file("flood.log");
  auto file = dir.write("jobs.yaml", "version: 1\njobs:\n"
                                     "  - id: flood\n"
                                     "    binary: " + helper("helper_flood") + "\n"
                                     "    args: [\"100000000\"]\n"
                                     "    reconnect: false\n"
                                     "    log_file: " + log + "\n"
                                     "    log_max_size: 0\n");
  Daemon d(dir, file, {"--http", "127.0.0.1:0"});
  auto port = listening_port(d, "http");
  auto end = d.wait_event(exited("flood"), 300s);
  CHECK(end["state"] == "finished");  // it wrote all 100 MB and exited 0: never blocked for good
  auto peak_kib = peak_rss_kib(d.pid());

  // Every line reached the file, or is counted as dropped (and the file says
  // where lines are missing).
  auto status = Json::parse(client(port).Get("/api/v1/jobs/flood")->body);
  uint64_t dropped = status["log_file_dropped_lines"];
  REQUIRE(eventually([&] { return slurp(log).find("flood done: 100000000 bytes") != std::string::npos || dropped > 0; }));
  uint64_t in_file = 0, missing_notes = 0;
  {
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      if (line.find(" flood line ") != std::string::npos) ++in_file;
      else if (line.find("lines are missing here") != std::string::npos) ++missing_notes;
    }
  }
  // helper_flood writes "flood line N\n" from N = 0 until 100 MB are out (the
  // last one maybe cut), then "\nflood done: ...".
  uint64_t complete_lines = 0;
  for (uint64_t bytes = 0;; ++complete_lines) {
    uint64_t len = std::to_string(complete_lines).size() + 12;
    if (bytes + len > 100000000) break;
    bytes += len;
  }
  std::printf("log_file flood: %llu lines in the file, %llu dropped (%llu notes), daemon peak RSS %llu KiB\n",
              static_cast<unsigned long long>(in_file), static_cast<unsigned long long>(dropped),
              static_cast<unsigned long long>(missing_notes), static_cast<unsigned long long>(peak_kib));
  CHECK(in_file + dropped >= complete_lines);
  CHECK(in_file + dropped <= complete_lines + 3);  // dropped may also count the cut line, "" and "flood done"
  if (dropped > 0 && in_file > 0) CHECK(missing_notes > 0);
#if !defined(__SANITIZE_ADDRESS__)
  // 100 MB of lines went through; what waits for the disk is bounded by
  // log_file_budget (1 MiB of text per job), so the daemon stays small.
  CHECK(peak_kib < 160 * 1024);
#endif
  d.signal(SIGTERM);
  CHECK(d.wait_exit() == 0);
}

// (An --events file that cannot be opened is refused with the other options,
// exit 2: hardening_test.cpp.)
TEST_CASE("ffleet run: a log folder that cannot be opened is a start-up error, exit 1", "[fleet][logs]") {
  ScratchDir dir("startup-files");
  auto logs = dir.write("logs.yaml", "version: 1\njobs:\n  - id: a\n    binary: sleep\n    args: [\"30\"]\n"
                                     "    log_file: " + dir.file("nowhere/{id}.log") + "\n");
  auto log = run_program(dir, {FFLEET_BINARY, "run", logs, "--control", ""});
  CHECK(log.code == 1);
  CHECK(log.err.find("job a: cannot open log file " + dir.file("nowhere/a.log") + ": No such file or directory") !=
        std::string::npos);
}

TEST_CASE("write errors after the start are logged once and counted in /metrics", "[fleet][logs][metrics]") {
  ScratchDir dir("write-errors");
  // /dev/full opens and takes no byte: every write fails with ENOSPC.
  std::filesystem::create_symlink("/dev/full", dir.file("events.jsonl"));  // the Daemon's --events file
  auto file = dir.write("jobs.yaml", "version: 1\njobs:\n" + ticker_job("/dev/full"));
  Daemon d(dir, file, {"--http", "127.0.0.1:0"});
  auto port = listening_port(d, "http");
  std::string body;
  REQUIRE(eventually([&] {
    auto r = client(port).Get("/metrics");
    body = r ? r->body : "";
    return metric(body, "ffleet_log_write_errors_total") >= 3 && metric(body, "ffleet_events_write_errors_total") >= 1;
  }));
  CHECK(body.find("# TYPE ffleet_log_write_errors_total counter") != std::string::npos);
  CHECK(body.find("# TYPE ffleet_events_write_errors_total counter") != std::string::npos);
  CHECK(body.find("ffleet_job_log_file_dropped_lines_total{id=\"ticker\"} 0") != std::string::npos);
  auto daemon_log = d.log();
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = daemon_log.find(needle); at != std::string::npos; at = daemon_log.find(needle, at + 1)) ++n;
    return n;
  };
  CHECK(count("cannot write log file /dev/full: No space left on device") == 1);
  CHECK(count("cannot write the events file: No space left on device") == 1);
}

// The whole daemon under load: `ffleet run` on a generated file of N
// fake-ffmpeg jobs (one progress line every 0.5 s each), measured from the
// outside as an operator would see it.
//
//   fleet_bench [--jobs N] [--seconds S] [--restart-seconds R] [-- ffleet run options]
//
// Prints: time until all N run, the daemon's CPU (seconds per minute and % of
// one core) over S seconds of steady supervision, its RSS and thread count, a
// reload that changes 10 % of the jobs, the time to stop all; then, with every
// child exiting after 5 s and reconnect_delay 0, the median and p99 time from
// a child's exit to its replacement's start (stamped by the children
// themselves on CLOCK_MONOTONIC).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Options {
  std::vector<std::string> daemon_args;  // after --, passed to `ffleet run`
  int jobs = 1000;
  int seconds = 60;
  int restart_seconds = 30;
};

std::string job_file(const Options& o, const fs::path& dir, const std::string& extra_args, int changed_every = 0) {
  std::ostringstream y;
  y << "version: 1\ndefaults:\n  binary: " << FAKE_FFMPEG << "\n  reconnect_delay: 0s\n  stop_timeout: 5s\n"
    << "  stale_timeout: 30s\njobs:\n";
  for (int i = 0; i < o.jobs; ++i) {
    bool changed = changed_every > 0 && i % changed_every == 0;
    y << "  - id: j" << i << "\n    args: [\"--interval-ms\", \"" << (changed ? 501 : 500) << "\"" << extra_args
      << "]\n";
  }
  auto path = dir / "jobs.yaml";
  std::ofstream(path) << y.str();
  return path.string();
}

struct Daemon {
  pid_t pid = -1;
  std::string events;
  size_t offset = 0;
  std::vector<std::string> lines;

  Daemon(const std::string& file, const fs::path& dir, const std::vector<std::string>& extra)
      : events((dir / "events.jsonl").string()) {
    fs::remove(events);
    std::vector<std::string> args = {FFLEET_BINARY, "run", file, "--events", events, "--control", "",
                                     "--log-level", "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
      std::perror("spawn ffleet");
      std::exit(1);
    }
  }

  void read() {
    std::ifstream in(events);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string line;
    while (std::getline(in, line) && !in.eof()) {
      offset += line.size() + 1;
      lines.push_back(std::move(line));
    }
  }

  size_t count(const std::string& needle) const {
    return static_cast<size_t>(std::count_if(lines.begin(), lines.end(),
                                             [&](auto& l) { return l.find(needle) != std::string::npos; }));
  }

  // Polls the events until `needle` was seen n times; returns false on timeout.
  bool wait_for(const std::string& needle, size_t n, std::chrono::seconds timeout = 120s) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      read();
      if (count(needle) >= n) return true;
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }

  double cpu_seconds() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(in)), {});
    auto p = s.rfind(')');
    std::istringstream rest(s.substr(p + 2));
    std::string f;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15; ++i) {
      rest >> f;
      if (i == 14) utime = std::stoull(f);
      if (i == 15) stime = std::stoull(f);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  std::string status_field(const std::string& key) const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(key + ":", 0) == 0) return line.substr(key.size() + 1);
    return "?";
  }

  double stop() {
    auto t0 = Clock::now();
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    pid = -1;
    return secs(Clock::now() - t0);
  }
};

void steady_phase(const Options& o, const fs::path& dir) {
  std::string file = job_file(o, dir, "");
  auto t0 = Clock::now();
  Daemon d(file, dir, o.daemon_args);
  if (!d.wait_for("\"to\":\"running\"", static_cast<size_t>(o.jobs))) {
    std::printf("not all jobs came up\n");
    kill(d.pid, SIGKILL);
    return;
  }
  double all_up = secs(Clock::now() - t0);
  std::this_thread::sleep_for(5s);  // warm-up: let the first samples and timers settle
  double cpu0 = d.cpu_seconds();
  auto w0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  double cpu = d.cpu_seconds() - cpu0;
  double window = secs(Clock::now() - w0);
  std::string rss = d.status_field("VmRSS"), threads = d.status_field("Threads");
  d.read();
  size_t failures = d.count("\"to\":\"failed\"") + d.count("\"to\":\"killed\"") + d.count("\"event\":\"stale\"");

  // Reload with 10 % of the jobs changed.
  job_file(o, dir, "", 10);
  size_t running_before = d.count("\"to\":\"running\"");
  auto r0 = Clock::now();
  kill(d.pid, SIGHUP);
  d.wait_for("\"action\":\"reloaded\"", 1);
  double reloaded = secs(Clock::now() - r0);
  size_t changed = static_cast<size_t>((o.jobs + 9) / 10);
  d.wait_for("\"to\":\"running\"", running_before + changed);
  double reload_all_running = secs(Clock::now() - r0);
  double stop_all = d.stop();

  std::printf("| jobs | all up | CPU s/min | CPU %% of 1 core | RSS | threads | reload 10%% (event / all running) | stop all | failures |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| %d | %.3f s | %.2f | %.2f %% | %s | %s | %.3f s / %.3f s | %.3f s | %zu |\n", o.jobs, all_up,
              cpu / window * 60.0, cpu / window * 100.0, rss.c_str() + rss.find_first_not_of(" \t"),
              threads.c_str() + threads.find_first_not_of(" \t"), reloaded, reload_all_running, stop_all, failures);
  std::fflush(stdout);
}

// lockstep: every child started together exits together every 5 s (a
// thundering herd: the spawn rate bounds the latency). Otherwise each child's
// first run is cut at random, then every child exits every 5 s on its own
// phase, as independent failures do.
void restart_phase(const Options& o, const fs::path& dir, bool lockstep) {
  auto stamps = dir / "stamps";
  fs::remove_all(stamps);
  fs::create_directories(stamps);
  std::string file = job_file(o, dir, ", \"--exit-after-ms\", \"5000\", \"--stamp-file\", \"" +
                                          (stamps / "{id}").string() + "\"" +
                                          (lockstep ? "" : ", \"--random-phase\""));
  Daemon d(file, dir, o.daemon_args);
  d.wait_for("\"to\":\"running\"", static_cast<size_t>(o.jobs));
  std::this_thread::sleep_for(std::chrono::seconds(o.restart_seconds));
  d.read();
  size_t failures = d.count("\"to\":\"failed\"") + d.count("\"to\":\"killed\"");
  d.stop();
  std::vector<double> latencies_ms;
  for (auto& entry : fs::directory_iterator(stamps)) {
    std::ifstream in(entry.path());
    std::string what;
    long long us = 0, last_exit = -1;
    while (in >> what >> us) {
      if (what == "exit") last_exit = us;
      else if (what == "start" && last_exit >= 0) {
        latencies_ms.push_back(static_cast<double>(us - last_exit) / 1000.0);
        last_exit = -1;
      }
    }
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    return latencies_ms[std::min(latencies_ms.size() - 1, static_cast<size_t>(p * static_cast<double>(latencies_ms.size())))];
  };
  std::printf("| %d | %s | %zu | %.2f ms | %.2f ms | %.2f ms | %zu |\n", o.jobs,
              lockstep ? "all together" : "own phase", latencies_ms.size(), pct(0.5), pct(0.99),
              latencies_ms.empty() ? 0.0 : latencies_ms.back(), failures);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--")) {
      o.daemon_args.assign(argv + i + 1, argv + argc);
      argc = i;
    }
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--jobs")) o.jobs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) o.seconds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--restart-seconds")) o.restart_seconds = std::atoi(argv[i + 1]);
  }
  auto dir = fs::temp_directory_path() / ("ffleet-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string extra;
  for (auto& a : o.daemon_args) extra += " " + a;
  std::printf("ffleet fleet_bench: %d fake-ffmpeg jobs, %d s steady window, %d s restart window, %u cores, "
              "ffleet run options:%s\n\n",
              o.jobs, o.seconds, o.restart_seconds, std::thread::hardware_concurrency(),
              extra.empty() ? " (defaults)" : extra.c_str());
  steady_phase(o, dir);
  std::printf("\nRestarts, children exiting every 5 s, reconnect_delay 0:\n\n");
  std::printf("| jobs | exits | restarts measured | exit→start median | p99 | max | failures |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  restart_phase(o, dir, false);
  restart_phase(o, dir, true);
  fs::remove_all(dir);
}

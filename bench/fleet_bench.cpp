// The whole daemon under load: `ffleet run` on a generated file of N
// fake-ffmpeg jobs (one progress line every 0.5 s each), measured from the
// outside as an operator would see it.
//
//   fleet_bench [--jobs N] [--seconds S] [--storm-seconds R] [-- ffleet run options]
//
// Steady: time until all N run, CPU (% of one core) of the daemon and of its
// spawn helper over S seconds, RSS, a reload that changes 10 % of the jobs,
// the time to stop all. Crash storm: every child exits by itself after a
// random 5-10 s and is restarted at once (reconnect_delay 0): over R
// seconds, the time from a child's exit to its replacement's start (p50,
// p99, max; stamped by the children themselves on CLOCK_MONOTONIC), how many
// of the N children are alive (sampled from /proc every second: min and
// mean) and the CPU of daemon and helper. Prints one table row per phase.
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
  int storm_seconds = 30;
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

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), {});
  auto p = s.rfind(')');
  if (p == std::string::npos) return 0;
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

// A "Key:  value" line of a /proc file.
std::string proc_field(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) {
      auto v = line.substr(key.size() + 1);
      return v.substr(std::min(v.size(), v.find_first_not_of(" \t")));
    }
  return "?";
}

std::string status_field(pid_t pid, const std::string& key) {
  return proc_field("/proc/" + std::to_string(pid) + "/status", key);
}

std::string rollup_field(pid_t pid, const std::string& key) {
  return proc_field("/proc/" + std::to_string(pid) + "/smaps_rollup", key);
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

  double stop() {
    auto t0 = Clock::now();
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    pid = -1;
    return secs(Clock::now() - t0);
  }
};

// The daemon's children, by a scan of /proc (its task/*/children lists miss
// children while others come and go): job processes alive (not zombies)
// and the spawn helper's pid. The scan is not atomic: a restart during it
// may count both the old and the new child, so a sample can exceed N.
struct Children {
  size_t alive = 0;
  pid_t helper = -1;
};

Children children_of(pid_t daemon) {
  Children out;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] < '1' || name[0] > '9') continue;
    std::string all;
    try {  // reading the stat of a process that just went throws
      std::ifstream stat(entry.path() / "stat");
      all.assign(std::istreambuf_iterator<char>(stat), {});
    } catch (const std::exception&) {
      continue;
    }
    auto open = all.find('('), close = all.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 >= all.size()) continue;
    std::istringstream rest(all.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != daemon) continue;
    std::string field;
    long threads = 0;
    for (int i = 5; i <= 20 && rest >> field; ++i)
      if (i == 20) threads = std::atol(field.c_str());
    // The helper has three threads; a child it is making has its name
    // until the exec, and one thread.
    if (all.compare(open + 1, close - open - 1, "ffleet-spawner") == 0 && threads > 1)
      out.helper = pid_t(std::stoi(name));
    else if (state != 'Z') ++out.alive;
  }
  return out;
}

// CPU seconds of the daemon and of its helper together, and each.
struct Cpu {
  double daemon = 0, helper = 0;
};

Cpu cpu_of(const Daemon& d, pid_t helper) {
  return {cpu_seconds(d.pid), helper > 0 ? cpu_seconds(helper) : 0.0};
}

struct SteadyFigures {
  double all_up = 0, cpu_daemon = 0, cpu_helper = 0, reloaded = 0, reload_all_running = 0, stop_all = 0;
  std::string rss, helper_pss, threads;
  size_t failures = 0;
  bool ok = false;
};

SteadyFigures steady_phase(const Options& o, const fs::path& dir) {
  SteadyFigures f;
  std::string file = job_file(o, dir, "");
  auto t0 = Clock::now();
  Daemon d(file, dir, o.daemon_args);
  if (!d.wait_for("\"to\":\"running\"", static_cast<size_t>(o.jobs))) {
    std::printf("not all jobs came up\n");
    kill(d.pid, SIGKILL);
    return f;
  }
  f.all_up = secs(Clock::now() - t0);
  std::this_thread::sleep_for(5s);  // warm-up: let the first samples and timers settle
  pid_t helper = children_of(d.pid).helper;
  Cpu c0 = cpu_of(d, helper);
  auto w0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  Cpu c1 = cpu_of(d, helper);
  double window = secs(Clock::now() - w0);
  f.cpu_daemon = (c1.daemon - c0.daemon) / window * 100.0;
  f.cpu_helper = (c1.helper - c0.helper) / window * 100.0;
  f.rss = status_field(d.pid, "VmRSS");
  f.threads = status_field(d.pid, "Threads");
  f.helper_pss = helper > 0 ? rollup_field(helper, "Pss") : "?";
  d.read();
  f.failures = d.count("\"to\":\"failed\"") + d.count("\"to\":\"killed\"") + d.count("\"event\":\"stale\"");

  // Reload with 10 % of the jobs changed.
  job_file(o, dir, "", 10);
  size_t running_before = d.count("\"to\":\"running\"");
  auto r0 = Clock::now();
  kill(d.pid, SIGHUP);
  d.wait_for("\"action\":\"reloaded\"", 1);
  f.reloaded = secs(Clock::now() - r0);
  size_t changed = static_cast<size_t>((o.jobs + 9) / 10);
  d.wait_for("\"to\":\"running\"", running_before + changed);
  f.reload_all_running = secs(Clock::now() - r0);
  f.stop_all = d.stop();
  f.ok = true;
  return f;
}

struct StormFigures {
  size_t restarts = 0, alive_min = 0, failures = 0;
  double p50 = 0, p99 = 0, max = 0, alive_mean = 0, cpu_daemon = 0, cpu_helper = 0;
};

// Every child exits by itself after 5-10 s, independently; each is
// restarted at once.
StormFigures storm_phase(const Options& o, const fs::path& dir) {
  StormFigures f;
  auto stamps = dir / "stamps";
  fs::remove_all(stamps);
  fs::create_directories(stamps);
  std::string file = job_file(o, dir, ", \"--stamp-file\", \"" + (stamps / "{id}").string() +
                                          "\", \"--exit-between-ms\", \"5000\", \"10000\"");
  Daemon d(file, dir, o.daemon_args);
  d.wait_for("\"to\":\"running\"", static_cast<size_t>(o.jobs));
  std::this_thread::sleep_for(10s);  // past the first exits: the storm is on
  pid_t helper = children_of(d.pid).helper;
  Cpu c0 = cpu_of(d, helper);
  auto w0 = Clock::now();
  auto stamp_from = std::chrono::duration_cast<std::chrono::microseconds>(w0.time_since_epoch()).count();
  f.alive_min = static_cast<size_t>(o.jobs);
  double alive_sum = 0;
  size_t samples = 0;
  while (Clock::now() - w0 < std::chrono::seconds(o.storm_seconds)) {
    std::this_thread::sleep_for(1s);
    size_t alive = children_of(d.pid).alive;
    f.alive_min = std::min(f.alive_min, alive);
    alive_sum += static_cast<double>(alive);
    ++samples;
  }
  Cpu c1 = cpu_of(d, helper);
  double window = secs(Clock::now() - w0);
  auto stamp_to = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
  f.cpu_daemon = (c1.daemon - c0.daemon) / window * 100.0;
  f.cpu_helper = (c1.helper - c0.helper) / window * 100.0;
  f.alive_mean = samples ? alive_sum / static_cast<double>(samples) : 0;
  d.read();
  f.failures = d.count("\"to\":\"failed\"") + d.count("\"to\":\"killed\"");
  d.stop();
  // Exits within the window (steady_clock is CLOCK_MONOTONIC, as the stamps).
  std::vector<double> latencies_ms;
  for (auto& entry : fs::directory_iterator(stamps)) {
    std::ifstream in(entry.path());
    std::string what;
    long long us = 0, last_exit = -1;
    while (in >> what >> us) {
      if (what == "exit") last_exit = us;
      else if (what == "start" && last_exit >= stamp_from && last_exit <= stamp_to) {
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
  f.restarts = latencies_ms.size();
  f.p50 = pct(0.5);
  f.p99 = pct(0.99);
  f.max = latencies_ms.empty() ? 0.0 : latencies_ms.back();
  return f;
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
    else if (!std::strcmp(argv[i], "--storm-seconds")) o.storm_seconds = std::atoi(argv[i + 1]);
  }
  auto dir = fs::temp_directory_path() / ("ffleet-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string extra;
  for (auto& a : o.daemon_args) extra += " " + a;
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("ffleet fleet_bench: %d fake-ffmpeg jobs, %d s steady window, %d s storm window, %u cores, "
              "load average %.2f %.2f %.2f, ffleet run options:%s\n\n",
              o.jobs, o.seconds, o.storm_seconds, std::thread::hardware_concurrency(), load[0], load[1], load[2],
              extra.empty() ? " (defaults)" : extra.c_str());
  std::fflush(stdout);
  SteadyFigures s = steady_phase(o, dir);
  if (s.ok) {
    std::printf("| jobs | all up | steady CPU %% of 1 core (daemon + helper) | RSS (helper PSS) | threads | reload 10%% (event / all running) | stop all | failures |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    std::printf("| %d | %.3f s | %.2f + %.2f %% | %s (%s) | %s | %.3f s / %.3f s | %.3f s | %zu |\n\n", o.jobs, s.all_up,
                s.cpu_daemon, s.cpu_helper, s.rss.c_str(), s.helper_pss.c_str(), s.threads.c_str(), s.reloaded,
                s.reload_all_running, s.stop_all, s.failures);
    std::fflush(stdout);
  }
  StormFigures st = storm_phase(o, dir);
  std::printf("Crash storm: every child exits after a random 5-10 s, reconnect_delay 0:\n\n");
  std::printf("| jobs | restarts measured | exit→start p50 | p99 | max | children alive min / mean of N | storm CPU %% (daemon + helper) | failures |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  std::printf("| %d | %zu | %.2f ms | %.2f ms | %.2f ms | %zu / %.1f of %d | %.2f + %.2f %% | %zu |\n", o.jobs, st.restarts,
              st.p50, st.p99, st.max, st.alive_min, st.alive_mean, o.jobs, st.cpu_daemon, st.cpu_helper, st.failures);
  getloadavg(load, 3);
  std::printf("\nload average at the end: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  fs::remove_all(dir);
}

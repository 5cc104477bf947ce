// The process layer on its own (no actors): what one spawn costs, how soon a
// child's exit reaches the reactor's on_exit, what a /proc sampling pass
// costs per tracked process, and (with --load-children N) the reactor's CPU
// for N fake ffmpegs printing progress.
//
//   process_bench [--spawns N] [--exits N] [--sessions N] [--load-children N] [--load-seconds S]
//
// Prints one line per figure. The children are the tests' helper programs.
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/process/pidfd.hpp"
#include "src/process/proc_sampler.hpp"
#include "src/process/reactor.hpp"
#include "src/process/spawn.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using namespace ffleet;

std::string helper(const std::string& name) { return std::string(FFLEET_TEST_HELPERS) + "/" + name; }

double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double process_cpu_s() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

SpawnedChild must_spawn(SpawnRequest request) {
  auto r = spawn_child(request);
  if (!r.child) {
    std::fprintf(stderr, "process_bench: %s\n", r.error.c_str());
    std::exit(1);
  }
  return *r.child;
}

// Without a reactor: wait for the child by its pidfd and close its fds.
void reap(const SpawnedChild& c) {
  siginfo_t info{};
  wait_pidfd(c.pidfd, info, WEXITED);
  close(c.pidfd);
  close(c.stderr_fd);
}

// Time and the caller's CPU per spawn_child of a small binary.
void spawn_cost(int n) {
  std::vector<SpawnedChild> children;
  children.reserve(n);
  double cpu0 = thread_cpu_ms();
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) children.push_back(must_spawn({helper("helper_lines"), {"0"}, {}, {}}));
  auto t1 = Clock::now();
  double cpu = thread_cpu_ms() - cpu0;
  for (auto& c : children) reap(c);
  std::printf("spawn_child: %.3f ms per spawn, %.3f ms of it the caller's CPU (%d spawns of helper_lines)\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count() / n, cpu / n, n);
}

// From a child's exit (stamped by the child on CLOCK_MONOTONIC, which is
// steady_clock on Linux) to the reactor's on_exit.
void exit_latency(int n) {
  Reactor reactor;
  reactor.start();
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    std::mutex mu;
    std::string out;
    std::atomic<bool> exited{false};
    Clock::time_point exit_time;
    auto child = must_spawn({helper("helper_lines"), {"0"}, {"FFLEET_STAMP_EXIT=1"}, {}});
    reactor.adopt(child, {[&](std::string chunk, bool) {
                            std::lock_guard<std::mutex> lock(mu);
                            out += chunk;
                          },
                          [&](ExitStatus) {
                            exit_time = Clock::now();
                            exited = true;
                          },
                          nullptr});
    while (!exited) std::this_thread::sleep_for(100us);
    std::lock_guard<std::mutex> lock(mu);
    auto pos = out.find("exit at ");
    if (pos == std::string::npos) continue;
    Clock::time_point stamped{std::chrono::nanoseconds(std::stoll(out.substr(pos + 8)))};
    ms.push_back(std::chrono::duration<double, std::milli>(exit_time - stamped).count());
  }
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  std::printf("reactor: exit -> on_exit median %.3f ms, p90 %.3f ms, max %.3f ms (%zu exits)\n", ms[ms.size() / 2],
              ms[ms.size() * 9 / 10], ms.back(), ms.size());
}

// CPU per tracked process and pass, with the default rescan and a scan per pass.
void sampler_cost(int sessions_n) {
  const int passes = 20;
  std::vector<SpawnedChild> sleepers;
  std::vector<pid_t> sessions;
  for (int i = 0; i < sessions_n; ++i) {
    sleepers.push_back(must_spawn({"/bin/sleep", {"300"}, {}, {}}));
    sessions.push_back(sleepers.back().pid);
  }
  size_t processes = 0;
  DIR* d = opendir("/proc");
  while (dirent* e = readdir(d))
    if (e->d_name[0] >= '1' && e->d_name[0] <= '9') ++processes;
  closedir(d);
  auto per_process_us = [&](unsigned rescan_every) {
    ProcSampler sampler("/proc", rescan_every);
    sampler.sample(sessions);  // the first pass scans: not what is measured
    double cpu0 = thread_cpu_ms();
    for (int i = 0; i < passes; ++i) sampler.sample(sessions);
    return (thread_cpu_ms() - cpu0) * 1e3 / passes / sessions_n;
  };
  double every_pass = per_process_us(1);
  double default_every = per_process_us(5);
  std::printf("proc sampler: %d tracked of %zu processes, CPU per tracked process per pass: %.2f us "
              "(scan every pass: %.2f us)\n",
              sessions_n, processes, default_every, every_pass);
  for (auto& c : sleepers) {
    kill(c.pid, SIGKILL);
    reap(c);
  }
}

// The reactor's CPU for a fleet of fake ffmpegs printing progress twice a second.
void reactor_load(int n, int seconds) {
  Reactor reactor;
  reactor.start();
  std::atomic<size_t> chunks{0}, bytes{0}, exits{0};
  std::vector<ChildId> ids;
  for (int i = 0; i < n; ++i) {
    auto child = must_spawn({helper("helper_fakeffmpeg"), {}, {}, {}});
    ids.push_back(reactor.adopt(child, {[&](std::string c, bool) {
                                          ++chunks;
                                          bytes += c.size();
                                        },
                                        [&](ExitStatus) { ++exits; },
                                        nullptr}));
  }
  std::this_thread::sleep_for(2s);  // let every child print its banner
  double cpu0 = process_cpu_s();
  size_t chunks0 = chunks, bytes0 = bytes;
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  double used = process_cpu_s() - cpu0;
  std::printf("reactor: %d children for %d s: %.3f s CPU (%.2f %% of a core), %.0f chunks/s, %.0f KB/s\n", n, seconds,
              used, 100 * used / seconds, static_cast<double>(chunks - chunks0) / seconds,
              static_cast<double>(bytes - bytes0) / seconds / 1024);
  for (ChildId id : ids) reactor.signal_group(id, SIGINT);
  auto deadline = Clock::now() + 60s;
  while (exits < static_cast<size_t>(n) && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
}

}  // namespace

int main(int argc, char** argv) {
  int spawns = 200, exits = 100, sessions = 200, load_children = 0, load_seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string opt = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (opt == "--spawns") spawns = value;
    else if (opt == "--exits") exits = value;
    else if (opt == "--sessions") sessions = value;
    else if (opt == "--load-children") load_children = value;
    else if (opt == "--load-seconds") load_seconds = value;
    else {
      std::fprintf(stderr, "usage: process_bench [--spawns N] [--exits N] [--sessions N] [--load-children N] "
                           "[--load-seconds S]\n");
      return 2;
    }
  }
  if (spawns > 0) spawn_cost(spawns);
  if (exits > 0) exit_latency(exits);
  if (sessions > 0) sampler_cost(sessions);
  if (load_children > 0) reactor_load(load_children, load_seconds);
  return 0;
}

// ProcSampler: CPU and RSS per process tree (= per session), from one pass
// over /proc. Parsing is checked on made-up stat lines, the figures on real
// helpers.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "src/proc_sampler.hpp"
#include "src/spawn.hpp"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

using namespace std::chrono_literals;
using ffleet::ProcSampler;

namespace {

std::string helper(const std::string& name) { return std::string(FFLEET_TEST_HELPERS) + "/" + name; }

// A running helper, killed and reaped at the end of the test.
struct Running {
  ffleet::SpawnedChild c;
  explicit Running(const std::string& name, std::vector<std::string> args = {}) {
    auto r = ffleet::spawn_child({helper(name), std::move(args), {}, {}});
    INFO(r.error);
    REQUIRE(r.child);
    c = *r.child;
  }
  ~Running() {
    kill(-c.pid, SIGKILL);
    siginfo_t info;
    waitid(static_cast<idtype_t>(P_PIDFD), c.pidfd, &info, WEXITED);
    close(c.pidfd);
    close(c.stderr_fd);
  }
  // Waits until the helper has written `needle` to stderr.
  std::string wait_output(const std::string& needle) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (out.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{c.stderr_fd, POLLIN, 0};
      poll(&p, 1, 100);
      char buf[512];
      ssize_t n = read(c.stderr_fd, buf, sizeof buf);
      if (n > 0) out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
};

std::string stat_line(int pid, const std::string& comm, int session, unsigned long utime,
                      unsigned long stime, unsigned long start, long rss_pages) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%d (%s) S 1 %d %d 0 -1 4194304 100 0 0 0 %lu %lu 0 0 20 0 1 0 %lu 12345678 %ld "
                "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
                pid, comm.c_str(), session, session, utime, stime, start, rss_pages);
  return buf;
}

}  // namespace

TEST_CASE("proc sampler: a stat line is read after the last ')' of the command name", "[proc]") {
  ffleet::ProcStat st;
  std::string line = stat_line(42, "we)ird (name) x", 7, 150, 50, 9999, 2048);
  REQUIRE(ffleet::parse_proc_stat(line.data(), line.size(), &st));
  CHECK(st.session == 7);
  CHECK(st.utime == 150);
  CHECK(st.stime == 50);
  CHECK(st.start_ticks == 9999);
  CHECK(st.rss_pages == 2048);
  SECTION("a truncated or garbled line is refused") {
    CHECK_FALSE(ffleet::parse_proc_stat(line.data(), 40, &st));
    std::string garbled = "42 no parenthesis S 1 2 3";
    CHECK_FALSE(ffleet::parse_proc_stat(garbled.data(), garbled.size(), &st));
  }
}

TEST_CASE("proc sampler: sums the processes of each requested session, from any proc root", "[proc]") {
  char root[] = "/tmp/ffleet-proc-XXXXXX";
  REQUIRE(mkdtemp(root));
  auto put = [&](int pid, const std::string& line) {
    std::string dir = std::string(root) + "/" + std::to_string(pid);
    mkdir(dir.c_str(), 0755);
    std::ofstream(dir + "/stat") << line;
  };
  long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
  put(100, stat_line(100, "ffmpeg", 100, 10, 5, 1000, 100));
  put(101, stat_line(101, "ffmpeg helper", 100, 1, 1, 1001, 50));
  put(200, stat_line(200, "other", 200, 7, 0, 1002, 10));
  put(300, stat_line(300, "not asked", 300, 7, 0, 1003, 10));
  mkdir((std::string(root) + "/self").c_str(), 0755);  // not a pid: skipped

  ProcSampler sampler(root);
  auto first = sampler.sample({100, 200, 999});
  REQUIRE(first.size() == 3);
  CHECK(first[100].processes == 2);
  CHECK(first[100].rss_bytes == static_cast<uint64_t>(150 * page));
  CHECK(first[100].cpu_seconds == Approx(17.0 / static_cast<double>(tck)));
  CHECK(first[100].cpu_percent == 0);  // no previous sample
  CHECK(first[200].processes == 1);
  CHECK(first[999].processes == 0);    // gone

  put(100, stat_line(100, "ffmpeg", 100, 10 + static_cast<unsigned long>(tck), 5, 1000, 100));
  put(200, stat_line(200, "other", 200, 7, 0, 5000, 10));  // pid reused: a new process
  auto second = sampler.sample({100, 200});
  CHECK(second[100].cpu_percent > 0);  // one second of CPU over a short time
  CHECK(second[200].cpu_percent > 0);  // all 7 ticks of the new process count
  std::string cleanup = std::string("rm -rf ") + root;
  CHECK(std::system(cleanup.c_str()) == 0);
}

TEST_CASE("proc sampler: a CPU-burning child shows about one core", "[proc]") {
  Running burn("helper_cpuburn");
  burn.wait_output("burning");
  ProcSampler sampler;
  auto first = sampler.sample({burn.c.pid});
  CHECK(first[burn.c.pid].processes == 1);
  CHECK(first[burn.c.pid].cpu_percent == 0);
  std::this_thread::sleep_for(1s);  // the measuring interval, not a wait for an event
  auto second = sampler.sample({burn.c.pid});
  INFO("cpu " << second[burn.c.pid].cpu_percent << " %");
  CHECK(second[burn.c.pid].cpu_percent > 30);  // ctest -j on 2 shared cores may steal a lot
  CHECK(second[burn.c.pid].cpu_percent < 110);
}

TEST_CASE("proc sampler: a memory hog's RSS and a forked tree's process count", "[proc]") {
  Running hog("helper_memhog", {std::to_string(64 << 20)});
  hog.wait_output("holding");
  Running forker("helper_forker");
  forker.wait_output("grandchild");
  ProcSampler sampler;
  auto usage = sampler.sample({hog.c.pid, forker.c.pid});
  CHECK(usage[hog.c.pid].rss_bytes >= (64u << 20));
  CHECK(usage[hog.c.pid].rss_bytes < (128u << 20));
  CHECK(usage[forker.c.pid].processes == 2);
}

TEST_CASE("proc sampler: cost of one pass over /proc", "[proc][bench]") {
  size_t processes = 0;
  DIR* d = opendir("/proc");
  while (dirent* e = readdir(d))
    if (e->d_name[0] >= '1' && e->d_name[0] <= '9') ++processes;
  closedir(d);
  ProcSampler sampler;
  std::vector<pid_t> sessions = {getsid(0), 1};
  sampler.sample(sessions);
  const int passes = 50;
  auto cpu_us = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
  };
  double cpu0 = cpu_us();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < passes; ++i) sampler.sample(sessions);
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / passes;
  double cpu = (cpu_us() - cpu0) / passes;
  std::printf("proc sampler: %.0f us per pass over %zu processes: %.2f us per process (CPU %.2f us)\n", us,
              processes, us / static_cast<double>(processes), cpu / static_cast<double>(processes));
  auto self = ProcSampler::self_usage();
  CHECK(self.processes == 1);
  CHECK(self.rss_bytes > 0);
}

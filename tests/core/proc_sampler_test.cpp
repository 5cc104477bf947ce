// ProcSampler: CPU and RSS per process tree (= per session), from /proc
// stat files kept open and a /proc scan every few passes. Parsing and the
// bookkeeping are checked on made-up stat lines, the figures on real helpers.
// No timing assertions: the machine is shared; waits have deadlines.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "process_probe.hpp"
#include "src/process/pidfd.hpp"
#include "src/process/proc_sampler.hpp"
#include "src/process/self_usage.hpp"
#include "src/process/spawn.hpp"


using namespace std::chrono_literals;
using ffleet::ProcSampler;

namespace {

using ffleet::test::helper;

// A running helper (or any binary given by path), its whole session killed
// and the child reaped at the end of the test.
struct Running {
  ffleet::SpawnedChild c;
  bool reaped = false;
  explicit Running(const std::string& name, std::vector<std::string> args = {})
      : Running(ffleet::SpawnRequest{helper(name), std::move(args), {}, {}}) {}
  explicit Running(ffleet::SpawnRequest request) {
    auto r = ffleet::spawn_child(request);
    INFO(r.error);
    REQUIRE(r.child);
    c = *r.child;
  }
  ~Running() {
    kill(-c.pid, SIGKILL);
    reap();
    close(c.pidfd);
    close(c.stderr_fd);
  }
  // Waits for the child (not the rest of its session) to end, and reaps it.
  void reap() {
    if (reaped) return;
    siginfo_t info;
    ffleet::wait_pidfd(c.pidfd, info, WEXITED);
    reaped = true;
  }
  // For a child that exits by itself: waits at most 30 s.
  bool reap_within_deadline() {
    pollfd p{c.pidfd, POLLIN, 0};
    if (poll(&p, 1, 30000) != 1) return false;
    reap();
    return true;
  }
  void kill_and_reap() {
    kill(c.pid, SIGKILL);
    reap();
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

Running sleeper() { return Running(ffleet::SpawnRequest{"/bin/sleep", {"300"}, {}, {}}); }

// A shell that waits for a line on a fifo, then runs `then` (a descendant
// forked when the test says so, not before the first pass).
struct FifoShell {
  std::string dir, fifo;
  std::unique_ptr<Running> sh;
  explicit FifoShell(const std::string& then) {
    char tmpl[] = "/tmp/ffleet-sampler-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    dir = tmpl;
    fifo = dir + "/go";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    sh = std::make_unique<Running>(
        ffleet::SpawnRequest{"/bin/sh", {"-c", "read x < \"$0\"; " + then, fifo}, {}, {}});
  }
  ~FifoShell() {
    sh.reset();
    unlink(fifo.c_str());
    rmdir(dir.c_str());
  }
  pid_t pid() const { return sh->c.pid; }
  // Lets the shell go on; a non-blocking open fails (ENXIO) until it reads.
  void go() {
    int fd = -1;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (fd < 0 && std::chrono::steady_clock::now() < deadline) {
      fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) std::this_thread::sleep_for(10ms);
    }
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, "go\n", 3) == 3);
    close(fd);
  }
};

// How many fds of this process are open on `target` (the sampler's).
int fds_on(const std::string& target) {
  int count = 0;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d)) {
    char link[256];
    std::string path = std::string("/proc/self/fd/") + e->d_name;
    ssize_t n = readlink(path.c_str(), link, sizeof link - 1);
    if (n > 0 && std::string(link, static_cast<size_t>(n)) == target) ++count;
  }
  closedir(d);
  return count;
}
int stat_fds(pid_t pid) { return fds_on("/proc/" + std::to_string(pid) + "/stat"); }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

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
    std::ofstream(dir + "/stat") << line;  // rewritten in place: an open fd sees the new line
  };
  auto kept = [&](int pid) { return fds_on(std::string(root) + "/" + std::to_string(pid) + "/stat"); };
  long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
  put(100, stat_line(100, "ffmpeg", 100, 10, 5, 1000, 100));
  put(101, stat_line(101, "ffmpeg helper", 100, 1, 1, 1001, 50));
  put(200, stat_line(200, "other", 200, 7, 0, 1002, 10));
  put(300, stat_line(300, "not asked", 300, 7, 0, 1003, 10));
  mkdir((std::string(root) + "/self").c_str(), 0755);  // not a pid: skipped

  ProcSampler sampler(root, 3);  // scans on passes 1 (new sessions) and 4
  auto first = sampler.sample({100, 200, 999});
  REQUIRE(first.size() == 3);
  CHECK(first[100].processes == 2);
  CHECK(first[100].rss_bytes == static_cast<uint64_t>(150 * page));
  CHECK(first[100].cpu_seconds == Approx(17.0 / static_cast<double>(tck)));
  CHECK(first[100].cpu_percent == 0);  // no previous sample
  CHECK(first[200].processes == 1);
  CHECK(first[999].processes == 0);    // gone
  CHECK(kept(100) == 1);
  CHECK(kept(300) == 0);  // not ours: read once, closed

  put(100, stat_line(100, "ffmpeg", 100, 10 + static_cast<unsigned long>(tck), 5, 1000, 100));
  put(200, stat_line(200, "other", 200, 7, 0, 5000, 10));  // pid reused: a new process
  auto second = sampler.sample({100, 200});
  CHECK(second[100].cpu_percent > 0);  // one second of CPU over a short time
  CHECK(second[200].cpu_percent > 0);  // all 7 ticks of the new process count

  SECTION("a process forked between scans is found by the next one, all its CPU counted") {
    put(102, stat_line(102, "ffmpeg child", 100, 30, 0, 1100, 10));
    auto third = sampler.sample({100});  // no scan due
    CHECK(third[100].processes == 2);
    CHECK(third[100].cpu_percent == 0);  // 100 and 101 did not run
    CHECK(kept(200) == 0);               // session no longer asked for
    auto fourth = sampler.sample({100});  // the scan
    CHECK(fourth[100].processes == 3);
    CHECK(fourth[100].cpu_seconds == Approx((17.0 + static_cast<double>(tck) + 30.0) / static_cast<double>(tck)));
    CHECK(fourth[100].cpu_percent > 0);  // the 30 ticks of 102
    auto fifth = sampler.sample({100});
    CHECK(fifth[100].processes == 3);
    CHECK(fifth[100].cpu_percent == 0);  // and not again
  }
  std::string cleanup = std::string("rm -rf ") + root;
  CHECK(std::system(cleanup.c_str()) == 0);
}

TEST_CASE("proc sampler: a CPU-burning child shows about one core, read by fd or by a scan", "[proc]") {
  Running burn("helper_cpuburn");
  burn.wait_output("burning");
  ProcSampler sampler("/proc", 2);  // pass 2 reads the kept fd, pass 3 scans
  auto first = sampler.sample({burn.c.pid});
  CHECK(first[burn.c.pid].processes == 1);
  CHECK(first[burn.c.pid].cpu_percent == 0);
  for (int pass = 2; pass <= 3; ++pass) {
    std::this_thread::sleep_for(1s);  // the measuring interval, not a wait for an event
    auto usage = sampler.sample({burn.c.pid});
    INFO("pass " << pass << ": cpu " << usage[burn.c.pid].cpu_percent << " %");
    CHECK(usage[burn.c.pid].processes == 1);
    CHECK(usage[burn.c.pid].cpu_percent > 30);  // ctest -j on 2 shared cores may steal a lot
    CHECK(usage[burn.c.pid].cpu_percent < 110);  // a scan does not count it twice
  }
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
  usage = sampler.sample({hog.c.pid, forker.c.pid});  // from the kept fds
  CHECK(usage[hog.c.pid].rss_bytes >= (64u << 20));
  CHECK(usage[forker.c.pid].processes == 2);
}

TEST_CASE("proc sampler: a child forked after the first pass is counted within rescan_every passes", "[proc]") {
  FifoShell sh("/bin/sleep 300 & echo forked >&2; wait");
  const unsigned every = 5;
  ProcSampler sampler("/proc", every);
  pid_t sid = sh.pid();
  CHECK(sampler.sample({sid})[sid].processes == 1);
  sh.go();
  REQUIRE(contains(sh.sh->wait_output("forked"), "forked"));
  unsigned passes = 0;
  uint32_t processes = 1;
  while (processes < 2 && passes < every) {
    ++passes;
    processes = sampler.sample({sid})[sid].processes;
  }
  CHECK(processes == 2);
  // Not earlier either: in between only the kept fds are read (the saving).
  CHECK(passes == every);

  SECTION("a new session is sampled whole on its first pass, even between scans") {
    Running forker("helper_forker");
    forker.wait_output("grandchild");
    auto usage = sampler.sample({sid, forker.c.pid});
    CHECK(usage[forker.c.pid].processes == 2);
    CHECK(usage[sid].processes == 2);
  }
}

TEST_CASE("proc sampler: a session whose leader exited is found through a child forked since the last scan",
          "[proc]") {
  FifoShell sh("/bin/sleep 300 & echo forked >&2");  // then the shell exits
  ProcSampler sampler;
  pid_t sid = sh.pid();
  CHECK(sampler.sample({sid})[sid].processes == 1);
  sh.go();
  REQUIRE(contains(sh.sh->wait_output("forked"), "forked"));
  REQUIRE(sh.sh->reap_within_deadline());
  // No scan is due, but the only process known for the session is gone:
  // it is looked for before being reported gone.
  CHECK(sampler.sample({sid})[sid].processes == 1);
  CHECK(sampler.sample({sid})[sid].processes == 1);  // now by its fd
}

TEST_CASE("proc sampler: a vanished process is dropped and its fd closed, as is a session no longer asked for",
          "[proc]") {
  Running a = sleeper(), b = sleeper();
  ProcSampler sampler;
  auto usage = sampler.sample({a.c.pid, b.c.pid});
  CHECK(usage[a.c.pid].processes == 1);
  CHECK(usage[b.c.pid].processes == 1);
  CHECK(stat_fds(a.c.pid) == 1);
  CHECK(stat_fds(b.c.pid) == 1);

  a.kill_and_reap();
  usage = sampler.sample({a.c.pid, b.c.pid});
  CHECK(usage[a.c.pid].processes == 0);
  CHECK(usage[a.c.pid].rss_bytes == 0);
  CHECK(usage[b.c.pid].processes == 1);
  CHECK(stat_fds(a.c.pid) == 0);
  CHECK(sampler.sample({a.c.pid, b.c.pid})[a.c.pid].processes == 0);  // stays gone

  sampler.sample({});
  CHECK(stat_fds(b.c.pid) == 0);
}

// What makes a kept fd safe against pid reuse: it names the process, not the
// number. (With the number reused, the read still fails: checked by hand with
// ns_last_pid in a pid namespace, see proc_sampler.cpp.)
TEST_CASE("proc sampler: a /proc/[pid]/stat fd of a reaped process fails with ESRCH", "[proc]") {
  Running a = sleeper();
  std::string path = "/proc/" + std::to_string(a.c.pid) + "/stat";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  char buf[1024];
  CHECK(pread(fd, buf, sizeof buf, 0) > 0);
  a.kill_and_reap();
  errno = 0;
  CHECK(pread(fd, buf, sizeof buf, 0) == -1);
  CHECK(errno == ESRCH);
  close(fd);
}

TEST_CASE("self usage: the daemon's own CPU, memory, start time and file descriptors", "[proc]") {
  auto before = ffleet::read_self_usage();
  REQUIRE(before);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  auto after = ffleet::read_self_usage();
  ::close(fds[0]);
  ::close(fds[1]);
  REQUIRE(after);
  CHECK(after->open_fds == before->open_fds + 2);  // counted exactly, the listing's own fd excluded
  CHECK(after->resident_bytes > 0);
  CHECK(after->virtual_bytes >= after->resident_bytes);
  CHECK(after->cpu_seconds >= before->cpu_seconds);
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(after->start_time_s > now - 3600);  // this test binary started within the hour
  CHECK(after->start_time_s <= now + 1);
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_cur != RLIM_INFINITY) CHECK(after->max_fds == limit.rlim_cur);
}

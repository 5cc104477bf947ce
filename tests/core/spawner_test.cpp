// The spawn helper and its fence guard (src/process/spawner.hpp): the
// children it makes are the daemon's own, they die with the daemon, the
// helper is not frozen with the daemon's process group, and an armed fence
// kills the job processes at its deadline even while the daemon is stopped.
// (Every guarantee of a spawned child is checked both ways in spawn_test.)
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <time.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "process_probe.hpp"
#include "src/process/spawner.hpp"
#include "wait.hpp"

using namespace std::chrono_literals;
using ffleet::SpawnHelper;
using ffleet::test::eventually;
using ffleet::test::process_gone;
using ffleet::test::helper;

namespace {


// A stand-in daemon in a process of its own (so the test can SIGSTOP or
// SIGKILL it): runs `body` with a pipe to report pids back, then sleeps.
// The destructor SIGKILLs and reaps it.
struct StandIn {
  pid_t pid = -1;
  int report = -1;

  explicit StandIn(const std::function<void(int report_fd)>& body) {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(p[0]);
      body(p[1]);
      for (;;) pause();
    }
    close(p[1]);
    report = p[0];
  }
  ~StandIn() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    close(report);
  }

  std::vector<pid_t> read_pids(size_t n) {
    std::vector<pid_t> out(n, -1);
    size_t got = 0;
    auto* bytes = reinterpret_cast<char*>(out.data());
    while (got < n * sizeof(pid_t)) {
      pollfd p{report, POLLIN, 0};
      REQUIRE(poll(&p, 1, 30000) == 1);
      ssize_t r = read(report, bytes + got, n * sizeof(pid_t) - got);
      REQUIRE(r > 0);
      got += static_cast<size_t>(r);
    }
    return out;
  }
};

void send_pid(int fd, pid_t pid) {
  if (write(fd, &pid, sizeof pid) != sizeof pid) _exit(3);
}

// In the stand-in: the first line of a child's stderr that starts with
// `prefix`, or "" (reads until EOF or 30 s).
std::string stderr_line(int fd, const std::string& prefix) {
  std::string text;
  char buf[512];
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 100);
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) text.append(buf, static_cast<size_t>(n));
    if (n == 0) break;
    auto at = text.find(prefix);
    if (at != std::string::npos && text.find('\n', at) != std::string::npos)
      return text.substr(at, text.find('\n', at) - at);
  }
  return {};
}

// A stand-in daemon with a helper: spawns helper_forker (a child with a
// grandchild in its group) and helper_ignoresigint, then `then(helper)`,
// then reports child, grandchild and the second child.
std::function<void(int)> daemon_with_jobs(const std::function<void(SpawnHelper&)>& then) {
  return [then](int report) {
    auto h = SpawnHelper::start();
    if (!h) _exit(2);
    auto forker = h->spawn({helper("helper_forker"), {}, {}, {}});
    auto sleeper = h->spawn({helper("helper_ignoresigint"), {}, {}, {}});
    if (!forker.child || !sleeper.child) _exit(2);
    std::string line = stderr_line(forker.child->stderr_fd, "helper_forker: pid");
    pid_t grandchild = -1;
    if (auto g = line.find("grandchild "); g != std::string::npos) grandchild = std::atoi(line.c_str() + g + 11);
    then(*h);
    send_pid(report, forker.child->pid);
    send_pid(report, grandchild);
    send_pid(report, sleeper.child->pid);
    h.release();  // lives until the stand-in dies
  };
}

// Whether SIGKILL waits to be acted on by `pid` (its shared or own pending set).
bool sigkill_pending(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("ShdPnd:", 0) == 0 || line.rfind("SigPnd:", 0) == 0) {
      unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
      if (mask & (1ULL << (SIGKILL - 1))) return true;
    }
  return false;
}

}  // namespace

TEST_CASE("spawner: a child made by the helper is the daemon's own child and outlives the asking thread", "[spawner]") {
  auto h = SpawnHelper::start();
  REQUIRE(h);
  // Asked from a short-lived thread: with CLONE_PARENT the child's parent
  // death signal follows the thread that started the helper (ours, the main
  // thread), not the one that asked.
  ffleet::SpawnResult r;
  pid_t asker = 0;
  std::thread([&] {
    asker = static_cast<pid_t>(syscall(SYS_gettid));
    r = h->spawn({helper("helper_ignoresigint"), {}, {}, {}});
  }).join();
  INFO(r.error);
  REQUIRE(r.child);
  CHECK(getpgid(r.child->pid) == r.child->pid);
  // A parent death signal would be sent while the thread exits, before the
  // kernel unlists it: once its task entry is gone, a SIGKILL for the child
  // would be dead or pending, never still to come.
  REQUIRE(eventually([&] { return !std::filesystem::exists("/proc/self/task/" + std::to_string(asker)); }));
  CHECK_FALSE(process_gone(r.child->pid));
  CHECK_FALSE(sigkill_pending(r.child->pid));
  // Ours to reap: its pidfd reports the exit.
  kill(r.child->pid, SIGKILL);
  siginfo_t info{};
  REQUIRE(waitid(P_PID, static_cast<id_t>(r.child->pid), &info, WEXITED) == 0);
  CHECK(info.si_status == SIGKILL);
  close(r.child->pidfd);
  close(r.child->stderr_fd);
}

TEST_CASE("spawner: the helper leads its own process group with every signal blocked", "[spawner]") {
  auto h = SpawnHelper::start();
  REQUIRE(h);
  CHECK(eventually([&] { return getpgid(h->pid()) == h->pid(); }));
  // A Ctrl-Z or a signal to the daemon's group does not reach it; one sent
  // to it directly stays pending.
  kill(h->pid(), SIGTSTP);
  kill(h->pid(), SIGTERM);
  auto r = h->spawn({helper("helper_lines"), {"1"}, {}, {}});
  REQUIRE(r.child);
  REQUIRE(waitid(P_PID, static_cast<id_t>(r.child->pid), nullptr, WEXITED) == 0);
  close(r.child->pidfd);
  close(r.child->stderr_fd);
}

TEST_CASE("spawner: no child and no helper survive a SIGKILL of the daemon", "[spawner]") {
  StandIn daemon(daemon_with_jobs([](SpawnHelper&) {}));
  auto pids = daemon.read_pids(3);
  for (pid_t p : pids) REQUIRE(p > 0);
  for (pid_t p : pids) CHECK_FALSE(process_gone(p));
  kill(daemon.pid, SIGKILL);
  REQUIRE(waitpid(daemon.pid, nullptr, 0) == daemon.pid);
  daemon.pid = -1;
  for (pid_t p : pids) CHECK(eventually([&] { return process_gone(p); }));
}

TEST_CASE("spawner: an armed fence kills every job's process group at its deadline while the daemon is stopped", "[spawner][fence]") {
  StandIn daemon(daemon_with_jobs([](SpawnHelper& h) {
    h.fence_until(std::chrono::steady_clock::now() + 60s);  // renewed once,
    h.fence_until(std::chrono::steady_clock::now() + 1s);   // then never again
  }));
  auto pids = daemon.read_pids(3);
  for (pid_t p : pids) REQUIRE(p > 0);
  REQUIRE(kill(daemon.pid, SIGSTOP) == 0);  // frozen: it can neither renew nor kill
  // The grandchild too: the whole group, not only the leader.
  for (pid_t p : pids) CHECK(eventually([&] { return process_gone(p); }));
}

TEST_CASE("spawner: a released fence kills nothing", "[spawner][fence]") {
  auto deadline = std::chrono::steady_clock::now() + 1s;
  StandIn daemon(daemon_with_jobs([deadline](SpawnHelper& h) {
    h.fence_until(deadline);
    h.fence_release();
  }));
  auto pids = daemon.read_pids(3);
  for (pid_t p : pids) REQUIRE(p > 0);
  REQUIRE(kill(daemon.pid, SIGSTOP) == 0);
  // Nothing to wait for: the point is that nothing happens. Let the
  // deadline pass well before looking.
  std::this_thread::sleep_until(deadline + 2s);
  for (pid_t p : pids) CHECK_FALSE(process_gone(p));
}

TEST_CASE("spawner: a fence that expired refuses new jobs (kills one already under way), until renewed",
          "[spawner][fence]") {
  auto h = SpawnHelper::start();
  REQUIRE(h);
  h->fence_until(std::chrono::steady_clock::now());  // already over
  // A spawn that reaches the helper before its guard has fired starts and
  // is killed; once it has fired, a spawn fails with the reason.
  std::string refusal;
  CHECK(eventually([&] {
    auto r = h->spawn({helper("helper_ignoresigint"), {}, {}, {}});
    if (!r.child) {
      refusal = r.error;
      return true;
    }
    siginfo_t info{};
    REQUIRE(waitid(P_PID, static_cast<id_t>(r.child->pid), &info, WEXITED) == 0);
    CHECK(info.si_status == SIGKILL);
    close(r.child->pidfd);
    close(r.child->stderr_fd);
    return false;
  }));
  CHECK(refusal.find("fenced") != std::string::npos);

  // Renewed: the guard reads the renewal on a socket of its own, so a spawn
  // may still overtake it (and be refused); soon every new job runs to its own end.
  h->fence_until(std::chrono::steady_clock::now() + 3600s);
  CHECK(eventually([&] {
    auto again = h->spawn({helper("helper_lines"), {"1", "0"}, {}, {}});
    if (!again.child) return false;
    siginfo_t end{};
    REQUIRE(waitid(P_PID, static_cast<id_t>(again.child->pid), &end, WEXITED) == 0);
    close(again.child->pidfd);
    close(again.child->stderr_fd);
    return end.si_code == CLD_EXITED && end.si_status == 0;
  }));
}

namespace {

double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// CPU time of another process, all its threads, in ms (schedstat: ns).
double process_cpu_ms(pid_t pid) {
  double ns = 0;
  std::error_code ec;
  for (auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "schedstat");
    double on_cpu = 0;
    if (in >> on_cpu) ns += on_cpu;
  }
  return ns / 1e6;
}

}  // namespace

// Why the helper: a spawn from the daemon copies the daemon's whole fd table
// (two or three fds per job), one from the helper copies six entries. Prints
// CPU per spawn (caller's thread, and the helper's process) with few and
// with many fds open; the figures are for reading, the checks only say that
// every spawn worked.
TEST_CASE("spawner: CPU per spawn with few and with 15000 fds open, in the caller and through the helper", "[spawner][bench]") {
  auto h = SpawnHelper::start();
  REQUIRE(h);
  const int n = 200;
  std::vector<int> held;
  for (int open_fds : {0, 15000}) {
    while (static_cast<int>(held.size()) < open_fds) {
      int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;  // RLIMIT_NOFILE: measure with what we have
      held.push_back(fd);
    }
    for (bool via_helper : {false, true}) {
      std::vector<ffleet::SpawnedChild> children;
      double caller0 = thread_cpu_ms(), helper0 = process_cpu_ms(h->pid());
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < n; ++i) {
        ffleet::SpawnRequest req{helper("helper_lines"), {"0"}, {}, {}};
        auto r = via_helper ? h->spawn(req) : ffleet::spawn_child(req);
        REQUIRE(r.child);
        children.push_back(*r.child);
      }
      double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      double caller = thread_cpu_ms() - caller0, helper_cpu = process_cpu_ms(h->pid()) - helper0;
      for (auto& c : children) {
        REQUIRE(waitid(P_PID, static_cast<id_t>(c.pid), nullptr, WEXITED) == 0);
        close(c.pidfd);
        close(c.stderr_fd);
      }
      std::printf("spawn %s with %zu extra fds open: %.3f ms wall, CPU %.3f ms caller + %.3f ms helper per spawn\n",
                  via_helper ? "through the helper" : "in the caller    ", held.size(), wall / n, caller / n,
                  helper_cpu / n);
    }
  }
  for (int fd : held) close(fd);
}

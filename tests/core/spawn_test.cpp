// spawn_child starts a child the way a supervisor must: clean fds, clean
// signals, exactly the given environment, its own session, and no way to
// outlive the daemon. These tests run real helper processes.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "src/process/pidfd.hpp"
#include "src/process/spawn.hpp"
#include "src/process/spawner.hpp"
#include "process_probe.hpp"
#include "wait.hpp"


using namespace std::chrono_literals;
using ffleet::SpawnRequest;
using ffleet::spawn_child;

namespace {

using ffleet::test::eventually;
using ffleet::test::open_fd_count;
using ffleet::test::process_gone;
using ffleet::test::helper;


struct Finished {
  std::string err;       // all of stderr
  siginfo_t info{};
};

// Reads the child's stderr to EOF (the helpers used here fork nothing), then
// reaps it through its pidfd and closes both fds.
Finished run_to_end(const ffleet::SpawnedChild& c) {
  Finished f;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    ssize_t n = read(c.stderr_fd, buf, sizeof buf);
    if (n > 0) { f.err.append(buf, static_cast<size_t>(n)); continue; }
    if (n == 0) break;
    REQUIRE(errno == EAGAIN);
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    pollfd p{c.stderr_fd, POLLIN, 0};
    poll(&p, 1, 1000);
  }
  REQUIRE(ffleet::wait_pidfd(c.pidfd, f.info, WEXITED) == 0);
  close(c.stderr_fd);
  close(c.pidfd);
  return f;
}

// Every guarantee holds both ways a child is made: by the calling process
// (spawn_child) and by the spawn helper (the daemon's way). The helper is
// started once, from the main thread, as `ffleet run` does.
enum class Via { caller, helper };

ffleet::SpawnHelper& test_helper() {
  static std::unique_ptr<ffleet::SpawnHelper> h = [] {
    std::string error;
    auto made = ffleet::SpawnHelper::start(&error);
    if (!made) FAIL(error);
    return made;
  }();
  return *h;
}

ffleet::SpawnResult spawn(Via via, const SpawnRequest& req) {
  return via == Via::caller ? spawn_child(req) : test_helper().spawn(req);
}

// Started before the test measures anything (fds, children).
Via any_via() {
  Via via = GENERATE(Via::caller, Via::helper);
  if (via == Via::helper) test_helper();
  return via;
}

Finished run(Via via, const SpawnRequest& req) {
  auto r = spawn(via, req);
  INFO(r.error);
  REQUIRE(r.child);
  return run_to_end(*r.child);
}

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (line.compare(0, prefix.size(), prefix) == 0) out.push_back(line.substr(prefix.size()));
    pos = end + 1;
  }
  return out;
}

std::string line_value(const std::string& text, const std::string& prefix) {
  auto v = lines_starting(text, prefix);
  return v.empty() ? std::string("<missing>") : v.front();
}


// No child of ours is a zombie right now (WNOWAIT: looks, reaps nothing).
bool no_zombie_child() {
  siginfo_t info{};
  int r = waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT);
  return r != 0 || info.si_pid == 0;
}



std::string temp_file(const std::string& content, mode_t mode) {
  char name[] = "/tmp/ffleet-spawn-test-XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  close(fd);
  chmod(name, mode);
  return name;
}

}  // namespace

TEST_CASE("spawn: the child's environment is exactly the one given", "[spawn]") {
  Via via = any_via();
  SECTION("empty by default") {
    auto f = run(via, {helper("helper_fdcheck"), {}, {}, {}});
    CHECK(lines_starting(f.err, "env: ").empty());
  }
  SECTION("the given variables, nothing else") {
    auto f = run(via, {helper("helper_fdcheck"), {}, {"A=1", "B=two words", "EMPTY="}, {}});
    CHECK(lines_starting(f.err, "env: ") == std::vector<std::string>{"A=1", "B=two words", "EMPTY="});
  }
}

TEST_CASE("spawn: only fds 0, 1 and 2 are open in the child, stdin and stdout are /dev/null", "[spawn]") {
  Via via = any_via();
  // An fd of ours without CLOEXEC: close_range in the child must close it anyway.
  int leaky = open("/dev/zero", O_RDONLY);
  REQUIRE(leaky >= 3);
  auto f = run(via, {helper("helper_fdcheck"), {}, {}, {}});
  close(leaky);
  CHECK(line_value(f.err, "fds:") == " 0 1 2");
  CHECK(line_value(f.err, "fd 0: ") == "/dev/null");
  CHECK(line_value(f.err, "fd 1: ") == "/dev/null");
  CHECK(line_value(f.err, "fd 2: ").rfind("pipe:", 0) == 0);
}

TEST_CASE("spawn: the child has an empty signal mask and no ignored signals", "[spawn]") {
  Via via = any_via();
  // What a CAF daemon looks like: signals blocked in every thread, some ignored.
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &block, &old_mask);
  struct sigaction ignore {}, old_pipe {}, old_hup {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old_pipe);
  sigaction(SIGHUP, &ignore, &old_hup);

  auto f = run(via, {helper("helper_fdcheck"), {}, {}, {}});

  sigaction(SIGPIPE, &old_pipe, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  CHECK(line_value(f.err, "SigBlk:\t") == "0000000000000000");
  CHECK(line_value(f.err, "SigIgn:\t") == "0000000000000000");
}

TEST_CASE("spawn: the child leads its own session and process group", "[spawn]") {
  Via via = any_via();
  auto r = spawn(via, {helper("helper_fdcheck"), {}, {}, {}});
  REQUIRE(r.child);
  pid_t pid = r.child->pid;
  auto f = run_to_end(*r.child);
  std::string p = std::to_string(pid);
  CHECK(line_value(f.err, "pid: ") ==
        p + " ppid: " + std::to_string(getpid()) + " sid: " + p + " pgid: " + p);
}

TEST_CASE("spawn: arguments are passed in order and the exit code comes back", "[spawn]") {
  Via via = any_via();
  auto f = run(via, {helper("helper_lines"), {"3", "7"}, {}, {}});
  CHECK(f.err == "line 1\nline 2\nline 3\n");
  CHECK(f.info.si_code == CLD_EXITED);
  CHECK(f.info.si_status == 7);
}

TEST_CASE("spawn: the working directory is the one given", "[spawn]") {
  Via via = any_via();
  auto f = run(via, {helper("helper_fdcheck"), {}, {}, "/tmp"});
  CHECK(line_value(f.err, "cwd: ") == "/tmp");
  SECTION("a missing directory is an error and leaves no child") {
    auto r = spawn(via, {helper("helper_fdcheck"), {}, {}, "/nonexistent-ffleet-dir"});
    CHECK_FALSE(r.child);
    CHECK(r.error.find("cannot change to directory \"/nonexistent-ffleet-dir\": No such file or directory") !=
          std::string::npos);
    CHECK(no_zombie_child());
  }
}

TEST_CASE("spawn: a missing binary gives the system's error text, no child and no zombie", "[spawn]") {
  Via via = any_via();
  size_t fds = open_fd_count();
  SECTION("a bare name not in PATH") {
    auto r = spawn(via, {"sloop", {}, {}, {}});
    CHECK_FALSE(r.child);
    CHECK(r.error == "cannot run \"sloop\": No such file or directory");
  }
  SECTION("a path that does not exist (the exec fails in the child)") {
    auto r = spawn(via, {"/nonexistent/sloop", {}, {}, {}});
    CHECK_FALSE(r.child);
    CHECK(r.error == "cannot run \"/nonexistent/sloop\": No such file or directory");
  }
  CHECK(no_zombie_child());
  CHECK(open_fd_count() == fds);
}

TEST_CASE("spawn: a file that cannot be executed gives an error and no child", "[spawn]") {
  Via via = any_via();
  SECTION("no execute permission") {
    std::string path = temp_file("#!/bin/sh\nexit 0\n", 0644);
    auto r = spawn(via, {path, {}, {}, {}});
    unlink(path.c_str());
    CHECK_FALSE(r.child);
    CHECK(r.error == "cannot run \"" + path + "\": Permission denied");
  }
  SECTION("not an executable format") {
    std::string path = temp_file("this is not a program\n", 0755);
    auto r = spawn(via, {path, {}, {}, {}});
    unlink(path.c_str());
    CHECK_FALSE(r.child);
    CHECK(r.error == "cannot run \"" + path + "\": Exec format error");
  }
  CHECK(no_zombie_child());
}

TEST_CASE("spawn: resolve_binary searches PATH for bare names only", "[spawn]") {
  using ffleet::resolve_binary;
  CHECK(resolve_binary("sh", "/nonexistent::/bin:/usr/bin") == std::optional<std::string>("/bin/sh"));
  CHECK(resolve_binary("/bin/sh", "") == std::optional<std::string>("/bin/sh"));
  CHECK_FALSE(resolve_binary("sloop", "/bin:/usr/bin"));
  CHECK_FALSE(resolve_binary("", "/bin"));
  CHECK_FALSE(resolve_binary("sh", ""));  // no "." for an empty PATH
  std::string plain = temp_file("data", 0644);
  auto slash = plain.rfind('/');
  CHECK_FALSE(resolve_binary(plain.substr(slash + 1), plain.substr(0, slash)));  // not executable
  CHECK_FALSE(resolve_binary(plain, ""));
  unlink(plain.c_str());
  CHECK_FALSE(resolve_binary("tmp", "/"));  // a directory is not a binary
}

TEST_CASE("spawn: the parent keeps only the pidfd and the pipe's read end, close-on-exec and non-blocking", "[spawn]") {
  Via via = any_via();
  size_t fds = open_fd_count();
  auto r = spawn(via, {helper("helper_lines"), {"1"}, {}, {}});
  REQUIRE(r.child);
  CHECK(open_fd_count() == fds + 2);
  CHECK((fcntl(r.child->pidfd, F_GETFD) & FD_CLOEXEC));
  CHECK((fcntl(r.child->stderr_fd, F_GETFD) & FD_CLOEXEC));
  CHECK((fcntl(r.child->stderr_fd, F_GETFL) & O_NONBLOCK));
  run_to_end(*r.child);
  CHECK(open_fd_count() == fds);
}

TEST_CASE("spawn: a child gets SIGKILL when the thread that spawned it exits (spawn from long-lived threads)", "[spawn]") {
  ffleet::SpawnResult r;
  std::thread([&] { r = spawn_child({helper("helper_ignoresigint"), {}, {}, {}}); }).join();
  REQUIRE(r.child);
  auto f = run_to_end(*r.child);
  CHECK(f.info.si_code == CLD_KILLED);
  CHECK(f.info.si_status == SIGKILL);
}

TEST_CASE("spawn: no child survives a SIGKILL of the daemon", "[spawn]") {
  int report[2];
  REQUIRE(pipe2(report, O_CLOEXEC) == 0);
  pid_t daemon = fork();
  REQUIRE(daemon >= 0);
  if (daemon == 0) {
    // The "daemon": spawns from a thread that stays alive, as a CAF worker does.
    std::thread([&] {
      auto r = spawn_child({helper("helper_ignoresigint"), {}, {}, {}});
      pid_t pid = r.child ? r.child->pid : -1;
      ssize_t w = write(report[1], &pid, sizeof pid);
      (void)w;
      for (;;) pause();
    }).detach();
    for (;;) pause();
  }
  close(report[1]);
  // Whatever fails below, the stand-in daemon must not outlive the test.
  struct Reap {
    pid_t pid;
    bool done = false;
    bool kill_now() {  // SIGKILL and reap, once
      if (done) return true;
      done = true;
      kill(pid, SIGKILL);
      return waitpid(pid, nullptr, 0) == pid;
    }
    ~Reap() { kill_now(); }
  } reap{daemon};
  pid_t grandchild = -1;
  pollfd p{report[0], POLLIN, 0};
  REQUIRE(poll(&p, 1, 10000) == 1);
  REQUIRE(read(report[0], &grandchild, sizeof grandchild) == sizeof grandchild);
  close(report[0]);
  REQUIRE(grandchild > 0);
  CHECK_FALSE(process_gone(grandchild));

  REQUIRE(reap.kill_now());
  CHECK(eventually([&] { return process_gone(grandchild); }));
}


// The reactor: one thread, every child's stderr and exit, callbacks in order.
// Real helper processes; every wait is on an event, with a generous limit.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/process/reactor.hpp"
#include "src/process/spawn.hpp"
#include "process_probe.hpp"
#include "wait.hpp"

using namespace std::chrono_literals;
using ffleet::ChildId;
using ffleet::ExitStatus;
using ffleet::Reactor;

namespace {

using ffleet::test::eventually;
using ffleet::test::open_fd_count;
using ffleet::test::process_gone;
using ffleet::test::helper;

using Clock = std::chrono::steady_clock;

std::string helper_path(const std::string& name) { return helper(name); }

// The daemon's spawn helper, started once from the main thread.
ffleet::SpawnHelper* test_spawner() {
  static std::unique_ptr<ffleet::SpawnHelper> h = ffleet::SpawnHelper::start();
  REQUIRE(h);
  return h.get();
}

ffleet::ReactorOptions with_spawner() {
  ffleet::ReactorOptions o;
  o.spawner = test_spawner();
  return o;
}

ffleet::SpawnedChild start(const std::string& name, std::vector<std::string> args = {}) {
  auto r = ffleet::spawn_child({helper(name), std::move(args), {}, {}});
  INFO(r.error);
  REQUIRE(r.child);
  return *r.child;
}

// One child's callbacks as the test thread sees them.
struct Watch {
  std::mutex mu;
  std::condition_variable cv;
  std::string out;
  size_t chunks = 0, acks = 0;
  bool exited = false, output_after_exit = false;
  bool spawned = false, early = false;  // early: a callback before on_spawned
  pid_t pid = 0;
  std::string spawn_error;
  ExitStatus status;
  Clock::time_point exit_time;
  // When set, every ack is answered at once from the callback.
  Reactor* auto_resume = nullptr;
  ChildId id = 0;

  ffleet::ChildSink sink() {
    return {[this](std::string chunk, bool ack) {
              std::lock_guard<std::mutex> lock(mu);
              if (exited) output_after_exit = true;
              if (!spawned) early = true;
              out += chunk;
              ++chunks;
              if (ack) {
                ++acks;
                if (auto_resume) auto_resume->resume(id);
              }
              cv.notify_all();
            },
            [this](ExitStatus s) {
              std::lock_guard<std::mutex> lock(mu);
              exit_time = Clock::now();
              exited = true;
              status = s;
              cv.notify_all();
            },
            [this](pid_t p, std::string error) {
              std::lock_guard<std::mutex> lock(mu);
              spawned = true;
              pid = p;
              spawn_error = std::move(error);
              cv.notify_all();
            }};
  }

  // Spawns under the lock, so callbacks see `id` set.
  ChildId spawn(Reactor& r, const std::string& name, std::vector<std::string> args = {}) {
    std::lock_guard<std::mutex> lock(mu);
    id = r.spawn({helper_path(name), std::move(args), {}, {}}, sink());
    return id;
  }
  bool wait_spawned(std::chrono::milliseconds limit = 30000ms) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, limit, [&] { return spawned; });
  }

  // Adopts under the lock, so callbacks see `id` set.
  ChildId adopt(Reactor& r, ffleet::SpawnedChild c) {
    std::lock_guard<std::mutex> lock(mu);
    id = r.adopt(c, sink());
    return id;
  }

  bool wait_exit(std::chrono::milliseconds limit = 30000ms) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, limit, [&] { return exited; });
  }
  bool wait_output(const std::string& needle, std::chrono::milliseconds limit = 30000ms) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, limit, [&] { return out.find(needle) != std::string::npos; });
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mu);
    return out;
  }
};




// "helper_forker: pid P grandchild G" -> G
pid_t grandchild_of(const std::string& text) {
  auto pos = text.find("grandchild ");
  REQUIRE(pos != std::string::npos);
  return static_cast<pid_t>(std::stol(text.substr(pos + 11)));
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("reactor: every line a child writes is delivered, in order, before its exit", "[reactor]") {
  Reactor reactor;
  reactor.start();
  Watch w;
  w.auto_resume = &reactor;
  w.adopt(reactor, start("helper_lines", {"10000", "0"}));
  REQUIRE(w.wait_exit());
  auto lines = split_lines(w.text());
  REQUIRE(lines.size() == 10000);
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i] != "line " + std::to_string(i + 1)) FAIL("line " << i + 1 << " is \"" << lines[i] << "\"");
  CHECK(w.status.code == 0);
  CHECK_FALSE(w.output_after_exit);
}

TEST_CASE("reactor: the exit status tells how the child ended", "[reactor]") {
  Reactor reactor;
  reactor.start();
  Watch w;
  SECTION("exit code 3") {
    w.adopt(reactor, start("helper_lines", {"1", "3"}));
    REQUIRE(w.wait_exit());
    CHECK(w.status.code == 3);
    CHECK(w.status.signal == 0);
  }
  SECTION("exit code 255 after SIGINT to the group") {
    ChildId id = w.adopt(reactor, start("helper_sigint"));
    REQUIRE(w.wait_output("waiting for SIGINT"));  // its handler is in place
    reactor.signal_group(id, SIGINT);
    REQUIRE(w.wait_exit());
    CHECK(w.status.code == 255);
    CHECK(w.status.signal == 0);
  }
  SECTION("killed by SIGKILL") {
    ChildId id = w.adopt(reactor, start("helper_ignoresigint"));
    REQUIRE(w.wait_output("ignoring"));
    reactor.signal_group(id, SIGINT);  // ignored
    reactor.signal_group(id, SIGKILL);
    REQUIRE(w.wait_exit());
    CHECK(w.status.code == -1);
    CHECK(w.status.signal == SIGKILL);
    CHECK_FALSE(w.status.core_dumped);
  }
}

TEST_CASE("reactor: a child writing 100 MB as fast as it can finishes, with memory bounded by acks", "[reactor]") {
  Reactor::Options options;
  Reactor reactor(options);
  reactor.start();

  // A consumer that processes chunks on its own thread and acks late.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<size_t, bool>> queue;
  size_t in_flight = 0, max_in_flight = 0, total = 0, acks = 0;
  bool exited = false;
  ExitStatus status;
  std::string tail;
  ChildId id = 0;
  ffleet::ChildSink sink{[&](std::string chunk, bool ack) {
                           std::lock_guard<std::mutex> lock(mu);
                           in_flight += chunk.size();
                           max_in_flight = std::max(max_in_flight, in_flight);
                           tail = (tail + chunk).substr(tail.size() + chunk.size() > 64 ? tail.size() + chunk.size() - 64 : 0);
                           queue.emplace_back(chunk.size(), ack);
                           cv.notify_all();
                         },
                         [&](ExitStatus s) {
                           std::lock_guard<std::mutex> lock(mu);
                           exited = true;
                           status = s;
                           cv.notify_all();
                         },
                         nullptr};
  auto t0 = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mu);
    id = reactor.adopt(start("helper_flood"), std::move(sink));
  }
  std::thread consumer([&] {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return !queue.empty() || exited; });
      if (queue.empty()) return;
      auto [size, ack] = queue.front();
      queue.pop_front();
      in_flight -= size;
      total += size;
      if (ack) {
        ++acks;
        reactor.resume(id);
      }
    }
  });
  consumer.join();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("reactor: 100 MB flood in %.2f s (%.0f MB/s), %zu acks, max %zu bytes in flight\n", seconds,
              100 / seconds, acks, max_in_flight);
  const size_t flood = 100u << 20;
  const std::string last = "\nflood done: " + std::to_string(flood) + " bytes\n";
  CHECK(status.code == 0);
  CHECK(total == flood + last.size());
  CHECK(tail.size() >= last.size());
  CHECK(tail.substr(tail.size() - last.size()) == last);
  CHECK(acks >= flood / (options.window_bytes + 64 * 1024) - 1);  // a window ends within one read
  CHECK(max_in_flight <= options.window_bytes + 64 * 1024);
}

TEST_CASE("reactor: a 1 MB line without a newline arrives whole", "[reactor]") {
  Reactor reactor;
  reactor.start();
  Watch w;
  w.auto_resume = &reactor;
  w.adopt(reactor, start("helper_longline", {"1048576"}));
  REQUIRE(w.wait_exit());
  CHECK(w.status.code == 0);
  std::string text = w.text();
  CHECK(text.size() == 1048576);
  CHECK(text.find_first_not_of('x') == std::string::npos);
}

TEST_CASE("reactor: a grandchild holding the pipe does not delay the exit", "[reactor]") {
  Reactor reactor;
  reactor.start();
  Watch w;
  SECTION("a grandchild in the group is killed when the child exits") {
    ChildId id = w.adopt(reactor, start("helper_forker"));
    REQUIRE(w.wait_output("grandchild"));
    pid_t grandchild = grandchild_of(w.text());
    reactor.signal_group(id, SIGINT);  // the child exits 255, the grandchild ignores it
    REQUIRE(w.wait_exit(5000ms));
    CHECK(w.status.code == 255);
    CHECK(eventually([&] { return process_gone(grandchild); }));
  }
  SECTION("a grandchild that left the group (setsid) still holds the pipe, and the exit comes anyway") {
    ChildId id = w.adopt(reactor, start("helper_forker", {"--escape"}));
    REQUIRE(w.wait_output("grandchild"));
    pid_t grandchild = grandchild_of(w.text());
    reactor.signal_group(id, SIGINT);
    REQUIRE(w.wait_exit(5000ms));
    CHECK(w.status.code == 255);
    CHECK_FALSE(process_gone(grandchild));  // out of reach of a group kill
    kill(grandchild, SIGKILL);
  }
  CHECK(eventually([&] { return reactor.children() == 0; }));
}

TEST_CASE("reactor: kill_and_close ends a stubborn child even when an escaped grandchild holds its pipe", "[reactor]") {
  Reactor reactor;
  reactor.start();
  Watch w;
  ChildId id = w.adopt(reactor, start("helper_forker", {"--escape"}));
  REQUIRE(w.wait_output("grandchild"));
  pid_t grandchild = grandchild_of(w.text());
  reactor.kill_and_close(id);
  REQUIRE(w.wait_exit(5000ms));
  CHECK(w.status.signal == SIGKILL);
  CHECK_FALSE(w.output_after_exit);
  kill(grandchild, SIGKILL);
}

TEST_CASE("reactor: commands naming a child that is gone are no-ops", "[reactor]") {
  Reactor reactor;
  reactor.start();
  Watch w;
  ChildId id = w.adopt(reactor, start("helper_lines", {"1"}));
  REQUIRE(w.wait_exit());
  // The pid may be reused by now: nothing may be signalled.
  reactor.signal_group(id, SIGKILL);
  reactor.kill_and_close(id);
  reactor.resume(id);
  reactor.release(id);
  reactor.signal_group(id + 1000, SIGKILL);  // never adopted
  // The reactor still works, and the old sink hears nothing more.
  Watch next;
  next.adopt(reactor, start("helper_lines", {"2", "4"}));
  REQUIRE(next.wait_exit());
  CHECK(next.status.code == 4);
  CHECK(next.text() == "line 1\nline 2\n");
  CHECK_FALSE(w.output_after_exit);
  CHECK(w.text() == "line 1\n");
  CHECK(reactor.children() == 0);
}

TEST_CASE("reactor: release() kills and reaps the child and calls back no more", "[reactor]") {
  Reactor reactor;
  reactor.start();
  Watch w;
  auto child = start("helper_ignoresigint");
  ChildId id = w.adopt(reactor, child);
  REQUIRE(w.wait_output("ignoring"));
  CHECK(reactor.children() == 1);
  reactor.release(id);
  REQUIRE(eventually([&] { return reactor.children() == 0; }));
  CHECK(kill(child.pid, 0) == -1);  // reaped, not even a zombie
  CHECK(errno == ESRCH);
  std::lock_guard<std::mutex> lock(w.mu);
  CHECK_FALSE(w.exited);
}

TEST_CASE("reactor: 200 children at once, adopted from several threads, each with its own lines and exit code", "[reactor]") {
  Reactor reactor;
  reactor.start();
  size_t fds = open_fd_count();
  const int n = 200;
  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < n; ++i) watches.push_back(std::make_unique<Watch>());
  // Spawned here: a child dies with the thread that spawned it (PDEATHSIG),
  // and these adopting threads end early.
  std::vector<ffleet::SpawnedChild> children;
  for (int i = 0; i < n; ++i) children.push_back(start("helper_lines", {"20", std::to_string(i % 7)}));
  std::vector<std::thread> adopters;
  for (int t = 0; t < 4; ++t)
    adopters.emplace_back([&, t] {
      for (int i = t; i < n; i += 4) watches[static_cast<size_t>(i)]->adopt(reactor, children[static_cast<size_t>(i)]);
    });
  for (auto& t : adopters) t.join();
  for (int i = 0; i < n; ++i) {
    Watch& w = *watches[static_cast<size_t>(i)];
    REQUIRE(w.wait_exit());
    CHECK(w.status.code == i % 7);
    CHECK(split_lines(w.text()).size() == 20);
  }
  CHECK(eventually([&] { return reactor.children() == 0; }));
  CHECK(open_fd_count() == fds);  // no fd leaked, in the reactor or in spawning
}

TEST_CASE("reactor: the destructor kills and reaps the children still adopted", "[reactor]") {
  size_t fds = open_fd_count();
  pid_t pid;
  {
    Reactor reactor;
    reactor.start();
    Watch w;
    auto child = start("helper_ignoresigint");
    pid = child.pid;
    w.adopt(reactor, child);
    REQUIRE(w.wait_output("ignoring"));
  }
  CHECK(kill(pid, 0) == -1);
  CHECK(errno == ESRCH);
  CHECK(open_fd_count() == fds);
}

TEST_CASE("reactor: a signal blocked by the caller arrives through the signalfd", "[reactor]") {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &set, &old);  // before the reactor's thread exists
  {
    Reactor reactor;
    reactor.start();
    std::mutex mu;
    std::condition_variable cv;
    int got = 0;
    reactor.on_signals(set, [&](int signo) {
      std::lock_guard<std::mutex> lock(mu);
      got = signo;
      cv.notify_all();
    });
    kill(getpid(), SIGUSR2);
    std::unique_lock<std::mutex> lock(mu);
    CHECK(cv.wait_for(lock, 10s, [&] { return got != 0; }));
    CHECK(got == SIGUSR2);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

TEST_CASE("reactor: output is coalesced, many lines in few chunks", "[reactor]") {
  Reactor::Options options;
  options.coalesce = 200ms;
  Reactor reactor(options);
  reactor.start();
  std::vector<std::unique_ptr<Watch>> watches;
  std::vector<ChildId> ids;
  for (int i = 0; i < 20; ++i) {
    watches.push_back(std::make_unique<Watch>());
    ids.push_back(watches.back()->adopt(reactor, start("helper_fakeffmpeg", {"--interval-ms", "10"})));
  }
  for (auto& w : watches) REQUIRE(w->wait_output("frame= 1500"));  // 60 progress lines
  for (ChildId id : ids) reactor.signal_group(id, SIGINT);
  for (auto& w : watches) {
    REQUIRE(w->wait_exit());
    std::string text = w->text();
    size_t progress = static_cast<size_t>(std::count(text.begin(), text.end(), '\r'));
    INFO("progress lines " << progress << ", chunks " << w->chunks);
    CHECK(progress >= 60);
    CHECK(w->chunks * 5 <= progress);  // ~200 ms of 10 ms lines per chunk
    CHECK(w->status.code == 255);
  }
}

TEST_CASE("reactor: after a quiet time the first output comes at once, and an exit never waits for the coalescing", "[reactor]") {
  Reactor::Options options;
  options.coalesce = 120s;  // a round at most every 2 minutes
  Reactor reactor(options);
  reactor.start();
  Watch w;
  ChildId id = w.adopt(reactor, start("helper_sigint"));
  // Either arriving before the coalescing period proves it was not waited for.
  CHECK(w.wait_output("waiting for SIGINT", 60000ms));  // the first round is immediate
  reactor.signal_group(id, SIGINT);
  CHECK(w.wait_exit(60000ms));                           // exits are not coalesced
  CHECK(w.status.code == 255);
}

TEST_CASE("reactor: raises the soft limit of open files to the hard limit", "[reactor]") {
  struct rlimit rl;
  REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  if (rl.rlim_max > 1024 && rl.rlim_max != RLIM_INFINITY) {
    rl.rlim_cur = 1024;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
  }
  Reactor reactor;
  reactor.start();
  REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  CHECK((rl.rlim_cur == rl.rlim_max || rl.rlim_max == RLIM_INFINITY));
}

// ---- spawn(): children made by the spawn helper, replies read by the loop ----

TEST_CASE("reactor: 500 children spawned at once through the helper, from several threads, each with its own lines and exit code", "[reactor][spawn]") {
  Reactor reactor(with_spawner());
  reactor.start();
  size_t fds = open_fd_count();
  const int n = 500;
  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < n; ++i) watches.push_back(std::make_unique<Watch>());
  std::vector<std::thread> askers;  // short-lived: the children do not depend on them
  for (int t = 0; t < 4; ++t)
    askers.emplace_back([&, t] {
      for (int i = t; i < n; i += 4)
        watches[static_cast<size_t>(i)]->spawn(reactor, "helper_lines", {"20", std::to_string(i % 7)});
    });
  for (auto& t : askers) t.join();
  for (int i = 0; i < n; ++i) {
    Watch& w = *watches[static_cast<size_t>(i)];
    REQUIRE(w.wait_exit());
    CHECK(w.spawned);
    CHECK(w.pid > 0);
    CHECK_FALSE(w.early);
    CHECK(w.status.code == i % 7);
    CHECK(split_lines(w.text()).size() == 20);
  }
  CHECK(eventually([&] { return reactor.children() == 0; }));
  CHECK(open_fd_count() == fds);
}

TEST_CASE("reactor: a spawn that fails reports the system's error and nothing else", "[reactor][spawn]") {
  auto via = GENERATE(as<bool>{}, true, false);  // with the helper, and in the caller
  Reactor reactor(via ? with_spawner() : ffleet::ReactorOptions{});
  reactor.start();
  size_t fds = open_fd_count();
  Watch w;
  {
    std::lock_guard<std::mutex> lock(w.mu);
    w.id = reactor.spawn({"/nonexistent/sloop", {}, {}, {}}, w.sink());
  }
  REQUIRE(w.wait_spawned());
  CHECK(w.pid == -1);
  CHECK(w.spawn_error == "cannot run \"/nonexistent/sloop\": No such file or directory");
  CHECK(eventually([&] { return reactor.children() == 0; }));
  CHECK_FALSE(w.exited);
  CHECK(open_fd_count() == fds);
  siginfo_t info{};
  CHECK((waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0));  // no zombie
}

TEST_CASE("reactor: a stop, a kill or a release asked for while the child is being spawned is carried out once it runs", "[reactor][spawn]") {
  auto via = GENERATE(as<bool>{}, true, false);
  Reactor reactor(via ? with_spawner() : ffleet::ReactorOptions{});
  reactor.start();
  SECTION("SIGINT to the group") {
    Watch w;
    ChildId id = w.spawn(reactor, "helper_forker");  // exits 255 on SIGINT, once its handler is set
    reactor.signal_group(id, SIGINT);
    REQUIRE(w.wait_exit());
    CHECK(w.spawned);
    CHECK((w.status.signal == SIGINT || w.status.code == 255));
  }
  SECTION("kill_and_close") {
    Watch w;
    ChildId id = w.spawn(reactor, "helper_ignoresigint");
    reactor.kill_and_close(id);
    REQUIRE(w.wait_exit());
    CHECK(w.status.signal == SIGKILL);
  }
  SECTION("release: killed, reaped, no callback") {
    Watch w;
    ChildId id = w.spawn(reactor, "helper_ignoresigint");
    reactor.release(id);
    REQUIRE(eventually([&] { return reactor.children() == 0; }));
    std::lock_guard<std::mutex> lock(w.mu);
    CHECK_FALSE(w.exited);
    if (w.spawned) CHECK(process_gone(w.pid));
  }
}

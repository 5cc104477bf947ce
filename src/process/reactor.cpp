#include "src/process/reactor.hpp"

#include "src/process/child_launch.hpp"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <poll.h>
#include <string.h>
#include <sys/syscall.h>

#include <algorithm>
#include <deque>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "src/process/pidfd.hpp"
#include "src/process/strays.hpp"

namespace ffleet {
namespace {

using Clock = std::chrono::steady_clock;

// Main-set registrations carry (child id << 3 | kind): never a raw fd, whose
// number may be reused within one epoll_wait batch.
enum Tag : uint64_t { kPidfd = 0, kWake = 1, kSignal = 2, kBulk = 3, kSpawner = 4 };
uint64_t tag(uint64_t id, Tag t) { return id << 3 | t; }

// Spawn requests at the helper at once: enough to keep its two workers busy
// and the socket's buffer far from full.
constexpr size_t kMaxSpawnsInFlight = 32;

constexpr size_t kReadSize = 64 * 1024;        // one read per child per round
constexpr size_t kFinalDrainLimit = 4 << 20;   // bytes read at exit, in case an escaped grandchild floods

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Each child costs two fds; 1024 (a common default soft limit) is far too
// few for a fleet. Nothing here uses select(), so a high limit is harmless.
void raise_nofile_limit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t target = rl.rlim_max;
  if (target == RLIM_INFINITY) {  // the kernel refuses more than fs.nr_open
    target = 1 << 20;
    if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "re")) {
      unsigned long v = 0;
      if (std::fscanf(f, "%lu", &v) == 1) target = v;
      std::fclose(f);
    }
  }
  if (rl.rlim_cur >= target) return;
  rl.rlim_cur = target;
  setrlimit(RLIMIT_NOFILE, &rl);
}

ExitStatus exit_status(const siginfo_t& info) {
  ExitStatus s;
  switch (info.si_code) {
    case CLD_EXITED: s.code = info.si_status; break;
    case CLD_DUMPED: s.core_dumped = true; [[fallthrough]];
    case CLD_KILLED: s.signal = info.si_status; break;
    default: break;
  }
  return s;
}

}  // namespace

struct Reactor::Loop {
  struct Command {
    enum Kind { kAdopt, kSpawn, kSpawned, kSignalGroup, kKillClose, kResume, kRelease, kSignals, kStop };
    Kind kind = kStop;
    ChildId id = 0;
    int sig = 0;
    SpawnedChild child;
    std::unique_ptr<SpawnRequest> request;  // kSpawn
    std::string error;                      // kSpawned without a child
    ChildSink sink;
    int sigfd = -1;
    std::function<void(int)> handler;
  };

  struct Child {
    pid_t pid = -1;          // leads its own process group
    int pidfd = -1;
    int pipe = -1;           // -1 once EOF was seen or it was closed
    size_t pipe_capacity = 65536;
    ChildSink sink;
    bool released = false;   // no callbacks any more
    bool paused = false;     // waiting for resume(): not in the bulk set
    size_t since_ack = 0;    // bytes delivered since the last resume
    // While a hot child (see update_heat) is read, rounds are not delayed.
    bool hot = false;
    Clock::time_point hot_since;
    size_t hot_bytes = 0;
    // Between spawn() and the helper's reply: no pid yet; what was asked
    // for meanwhile is done once it runs.
    bool spawning = false;
    std::unique_ptr<SpawnRequest> request;  // until sent to the helper
    int pending_signal = 0;
    bool pending_kill_close = false;
    bool from_helper = false;  // the helper's guard knows it: tell it before the reap
  };

  explicit Loop(Options o) : options(o), spawner(o.spawner) {
    epfd = epoll_create1(EPOLL_CLOEXEC);
    bulkfd = epoll_create1(EPOLL_CLOEXEC);
    wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epfd < 0 || bulkfd < 0 || wakefd < 0) {
      std::perror("ffleet reactor: epoll/eventfd");
      std::abort();  // without them the daemon cannot supervise anything
    }
    add(epfd, wakefd, EPOLLIN, tag(0, kWake));
    add(epfd, bulkfd, EPOLLIN | EPOLLONESHOT, tag(0, kBulk));
    if (spawner) add(epfd, spawner->reply_fd(), EPOLLIN, tag(0, kSpawner));
    read_buf.resize(kReadSize);
  }

  ~Loop() {
    // The thread is gone (or never ran). Commands never executed still own fds.
    stopping = true;
    for (auto& c : queue)
      if (c.kind == Command::kAdopt || (c.kind == Command::kSpawned && c.child.pid > 0))
        insert(c.id, c.child, std::move(c.sink));
      else if (c.kind == Command::kSignals) close(c.sigfd);
    // Spawns at the helper: their children must not be left behind.
    while (spawner && in_flight > 0 && !spawner->gone()) {
      pollfd p{spawner->reply_fd(), POLLIN, 0};
      if (poll(&p, 1, 10000) <= 0) break;
      SpawnHelper::Reply r;
      while (spawner->read_reply(r)) {
        --in_flight;
        if (r.pid <= 0) continue;
        if (r.error.empty()) kill(-r.pid, SIGKILL);  // not reaped yet: the group is still its own
        while (waitpid(r.pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        if (r.error.empty()) spawner->forget(r.pid);
      }
    }
    // Kill them all first so they die in parallel, then reap each.
    for (auto& [id, c] : children) kill_group(c, SIGKILL);
    for (auto& [id, c] : children) {
      if (c.from_helper) spawner->forget(c.pid);
      siginfo_t info{};
      if (c.pidfd >= 0) wait_pidfd(c.pidfd, info, WEXITED);
      close_fd(c.pidfd);
      close_fd(c.pipe);
    }
    // Their escaped descendants came to us as they died.
    if (options.sweep_strays && spawner) strays::sweep({spawner->pid()}, true);
    close_fd(sigfd);
    close_fd(wakefd);
    close_fd(bulkfd);
    close_fd(epfd);
  }

  // Only ever called while the child is not reaped, so the group id is still
  // ours. A bad pid must never turn into kill(-1) or kill(1).
  static void kill_group(const Child& c, int sig) {
    if (c.pid > 1) kill(-c.pid, sig);
  }

  static void add(int ep, int fd, uint32_t events, uint64_t data) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = data;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) std::perror("ffleet reactor: epoll_ctl add");
  }

  void push(Command c) {
    if (c.kind == Command::kAdopt || c.kind == Command::kSpawn || c.kind == Command::kSpawned)
      queued_children.fetch_add(1, std::memory_order_relaxed);
    bool was_empty;
    {
      std::lock_guard<std::mutex> lock(mu);
      was_empty = queue.empty();
      queue.push_back(std::move(c));
    }
    // The loop reads the eventfd before taking the queue, so one wakeup per
    // non-empty queue is enough.
    if (was_empty) {
      uint64_t one = 1;
      ssize_t r = write(wakefd, &one, sizeof one);
      (void)r;  // EAGAIN only if the counter is about to overflow: already awake
    }
  }

  // --- reactor thread ---

  void run() {
    epoll_event events[64];
    while (!stopping) {
      int timeout = -1;
      if (!bulk_armed) {
        auto now = Clock::now();
        if (now >= rearm_at) {
          arm_bulk();
        } else {
          auto wait = std::chrono::ceil<std::chrono::milliseconds>(rearm_at - now);
          timeout = static_cast<int>(wait.count());
        }
      }
      int n = epoll_wait(epfd, events, 64, timeout);
      if (n < 0) {
        if (errno != EINTR) std::perror("ffleet reactor: epoll_wait");
        continue;
      }
      for (int i = 0; i < n; ++i) {
        uint64_t data = events[i].data.u64;
        switch (static_cast<Tag>(data & 7)) {
          case kWake: run_commands(); break;
          case kSignal: read_signals(); break;
          case kBulk: bulk_round(); break;
          case kPidfd: on_child_exit(data >> 3); break;
          case kSpawner: read_spawn_replies(); break;
        }
      }
      if (sweep_due) sweep_strays();  // once per batch of events
    }
  }

  void run_commands() {
    uint64_t count;
    ssize_t r = read(wakefd, &count, sizeof count);
    (void)r;
    std::vector<Command> batch;
    {
      std::lock_guard<std::mutex> lock(mu);
      batch.swap(queue);
    }
    for (auto& c : batch) {
      switch (c.kind) {
        case Command::kAdopt: insert(c.id, c.child, std::move(c.sink)); break;
        case Command::kSpawn: queue_spawn(c.id, std::move(c.request), std::move(c.sink)); break;
        case Command::kSpawned: spawned_in_caller(c); break;
        case Command::kSignalGroup:
          if (Child* ch = find(c.id)) {
            if (ch->spawning) ch->pending_signal = ch->pending_signal == SIGKILL ? SIGKILL : c.sig;
            else kill_group(*ch, c.sig);
          }
          break;
        case Command::kKillClose:
          if (Child* ch = find(c.id)) {
            if (ch->spawning) {
              ch->pending_kill_close = true;
              break;
            }
            kill_group(*ch, SIGKILL);
            final_drain(*ch);
            close_pipe(*ch);
          }
          break;
        case Command::kResume:
          if (Child* ch = find(c.id); ch && ch->paused) {
            ch->paused = false;
            ch->since_ack = 0;
            if (ch->pipe >= 0) add(bulkfd, ch->pipe, EPOLLIN, c.id);
          }
          break;
        case Command::kRelease:
          if (Child* ch = find(c.id)) {
            kill_group(*ch, SIGKILL);
            ch->released = true;
            ch->sink = {};  // its captures (actor handles) die here, on this thread
            close_pipe(*ch);
          }
          break;
        case Command::kSignals:
          if (sigfd >= 0) {
            epoll_ctl(epfd, EPOLL_CTL_DEL, sigfd, nullptr);
            close_fd(sigfd);
          }
          sigfd = c.sigfd;
          signal_handler = std::move(c.handler);
          add(epfd, sigfd, EPOLLIN, tag(0, kSignal));
          break;
        case Command::kStop: stopping = true; break;
      }
      // After child_count took the child in: the sum never dips below the truth.
      if (c.kind == Command::kAdopt || c.kind == Command::kSpawn || c.kind == Command::kSpawned)
        queued_children.fetch_sub(1, std::memory_order_relaxed);
    }
    pump_spawns();
  }

  // --- spawning ---

  void queue_spawn(ChildId id, std::unique_ptr<SpawnRequest> request, ChildSink sink) {
    Child c;
    c.spawning = true;
    c.request = std::move(request);
    c.sink = std::move(sink);
    children.emplace(id, std::move(c));
    child_count.store(children.size(), std::memory_order_relaxed);
    spawn_queue.push_back(id);
  }

  // Without a helper (or after it died) the child is made here, on the
  // reactor thread, which lives as long as the daemon (the child's parent
  // death signal follows the thread that made it).
  void spawn_here(ChildId id, Child& c) {
    auto r = spawn_child(*c.request);
    c.request.reset();
    Command done;
    done.id = id;
    done.error = r.error;
    if (r.child) done.child = *r.child;
    spawned_in_caller(done);
  }

  void pump_spawns() {
    while (!spawn_queue.empty() && in_flight < kMaxSpawnsInFlight) {
      ChildId id = spawn_queue.front();
      Child* c = find(id);
      if (!c || !c->request) {
        spawn_queue.pop_front();
        continue;
      }
      if (c->released || stopping) {  // nobody wants it any more
        children.erase(id);
        child_count.store(children.size(), std::memory_order_relaxed);
        spawn_queue.pop_front();
        continue;
      }
      if (!spawner || spawner->gone()) {
        spawn_queue.pop_front();
        spawn_here(id, *c);
        continue;
      }
      int p[2];
      if (pipe2(p, O_CLOEXEC) != 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) != 0) {
        spawn_queue.pop_front();
        spawn_failed(id, cannot_run(c->request->binary, errno));
        continue;
      }
      std::string error;
      auto sent = spawner->send_spawn(id, *c->request, p[1], error);
      close(p[1]);  // the helper has its own copy now
      if (sent == SpawnHelper::Sent::again) {
        close(p[0]);
        if (in_flight == 0) {  // cannot happen with an empty socket; do not stall
          spawn_queue.pop_front();
          spawn_here(id, *c);
          continue;
        }
        return;  // the next reply makes room
      }
      spawn_queue.pop_front();
      if (sent == SpawnHelper::Sent::failed) {
        close(p[0]);
        spawn_failed(id, error);
        continue;
      }
      c->pipe = p[0];
      c->request.reset();
      ++in_flight;
    }
  }

  void spawn_failed(ChildId id, const std::string& error) {
    auto it = children.find(id);
    if (it == children.end()) return;
    ChildSink sink = std::move(it->second.sink);
    bool silent = it->second.released;
    close_fd(it->second.pipe);
    children.erase(it);
    child_count.store(children.size(), std::memory_order_relaxed);
    if (!silent && sink.on_spawned) sink.on_spawned(-1, error);
  }

  void read_spawn_replies() {
    SpawnHelper::Reply r;
    while (spawner->read_reply(r)) {
      --in_flight;
      on_spawn_reply(r);
    }
    if (spawner->gone()) {
      std::perror("ffleet reactor: the spawn helper is gone; spawning in the daemon from now on");
      epoll_ctl(epfd, EPOLL_CTL_DEL, spawner->reply_fd(), nullptr);
      std::vector<ChildId> lost;
      for (auto& [id, c] : children)
        if (c.spawning && !c.request) lost.push_back(id);
      for (ChildId id : lost) spawn_failed(id, "cannot run: the spawn helper died while starting it");
      in_flight = 0;
    }
    pump_spawns();
  }

  void on_spawn_reply(const SpawnHelper::Reply& r) {
    if (!r.error.empty()) {
      // A child that failed to exec is ours to reap; it has exited already.
      if (r.pid > 0)
        while (waitpid(r.pid, nullptr, 0) < 0 && errno == EINTR) {
        }
      spawn_failed(r.tag, r.error);
      return;
    }
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, r.pid, 0));
    Child* c = find(r.tag);
    if (pidfd < 0 || !c) {  // reaped behind our back (against the rules), or unknown
      if (pidfd >= 0) {
        kill(-r.pid, SIGKILL);
        while (waitpid(r.pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        close(pidfd);
      }
      spawner->forget(r.pid);
      spawn_failed(r.tag, "cannot run: pidfd_open: " + std::string(strerror(errno)));
      return;
    }
    c->from_helper = true;
    run_started(r.tag, *c, r.pid, pidfd);
  }

  // kSpawned: spawn() made it on the caller's thread (no helper).
  // Also the end of spawn_here (the child is known then, with its sink).
  void spawned_in_caller(Command& done) {
    Child* c = find(done.id);
    if (done.child.pid <= 0) {
      if (c) spawn_failed(done.id, done.error);
      else if (done.sink.on_spawned) done.sink.on_spawned(-1, done.error);
      return;
    }
    if (!c) {
      Child fresh;
      fresh.sink = std::move(done.sink);
      c = &children.emplace(done.id, std::move(fresh)).first->second;
      child_count.store(children.size(), std::memory_order_relaxed);
    }
    c->pipe = done.child.stderr_fd;
    run_started(done.id, *c, done.child.pid, done.child.pidfd);
  }

  // The child runs: watch it like an adopted one, then do what was asked
  // for while it was being spawned.
  void run_started(ChildId id, Child& c, pid_t pid, int pidfd) {
    c.spawning = false;
    c.pid = pid;
    c.pidfd = pidfd;
    watch(id, c);
    if (c.released) {
      kill_group(c, SIGKILL);
      close_pipe(c);
      return;
    }
    if (c.sink.on_spawned) c.sink.on_spawned(pid, {});
    if (c.pending_kill_close) {
      kill_group(c, SIGKILL);
      close_pipe(c);
    } else if (c.pending_signal) {
      kill_group(c, c.pending_signal);
    }
  }

  Child* find(ChildId id) {
    auto it = children.find(id);
    return it == children.end() ? nullptr : &it->second;
  }

  void insert(ChildId id, const SpawnedChild& sc, ChildSink sink) {
    Child c;
    c.pid = sc.pid;
    c.pidfd = sc.pidfd;
    c.pipe = sc.stderr_fd;
    c.sink = std::move(sink);
    if (c.pipe >= 0) {
      int cap = fcntl(c.pipe, F_GETPIPE_SZ);
      if (cap > 0) c.pipe_capacity = static_cast<size_t>(cap);
    }
    children.emplace(id, std::move(c));
    child_count.store(children.size(), std::memory_order_relaxed);
    if (stopping) return;  // the destructor reaps it
    watch(id, children[id]);
  }

  void watch(ChildId id, Child& ch) {
    if (stopping) return;
    if (ch.pipe >= 0) add(bulkfd, ch.pipe, EPOLLIN, id);
    add(epfd, ch.pidfd, EPOLLIN, tag(id, kPidfd));
  }

  void close_pipe(Child& c) {
    if (c.pipe < 0) return;
    if (!c.paused) epoll_ctl(bulkfd, EPOLL_CTL_DEL, c.pipe, nullptr);
    close_fd(c.pipe);
  }

  void arm_bulk() {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = tag(0, kBulk);
    epoll_ctl(epfd, EPOLL_CTL_MOD, bulkfd, &ev);
    bulk_armed = true;
  }

  // The bulk set fired (and disarmed itself): one read for every ready pipe,
  // each child's bytes delivered as one chunk.
  void bulk_round() {
    bulk_armed = false;
    if (bulk_events.size() < children.size() + 1) bulk_events.resize(children.size() + 64);
    int n = epoll_wait(bulkfd, bulk_events.data(), static_cast<int>(bulk_events.size()), 0);
    auto now = Clock::now();
    bool any_hot = false;
    for (int i = 0; i < n; ++i) {
      ChildId id = bulk_events[i].data.u64;
      Child* c = find(id);
      if (!c || c->pipe < 0 || c->paused) continue;
      ssize_t r = read(c->pipe, read_buf.data(), read_buf.size());
      if (r > 0) {
        update_heat(*c, static_cast<size_t>(r), now);
        any_hot |= c->hot;
        deliver(*c, std::string(read_buf.data(), static_cast<size_t>(r)), true);
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_pipe(*c);  // EOF: every writer is gone; the pidfd tells the exit
      }
    }
    if (any_hot) arm_bulk();
    else rearm_at = now + options.coalesce;
  }

  // Hot: one read found the pipe full, so its writer was probably blocked.
  // "Full" is within a page of the capacity: a pipe of small writes blocks
  // its writer once all its pages are in use, the last one partly filled. A
  // hot child cools down once it writes less than half a pipe per coalesce
  // period (then it can no longer fill the pipe between two rounds). Being
  // hot costs: every write then wakes the reactor.
  void update_heat(Child& c, size_t bytes, Clock::time_point now) {
    size_t full = std::min(read_buf.size(), c.pipe_capacity > 4096 ? c.pipe_capacity - 4096 : c.pipe_capacity);
    if (bytes >= full) {
      c.hot = true;
      c.hot_since = now;
      c.hot_bytes = 0;
    } else if (c.hot) {
      c.hot_bytes += bytes;
      if (now - c.hot_since >= options.coalesce) {
        c.hot = c.hot_bytes >= c.pipe_capacity / 2;
        c.hot_since = now;
        c.hot_bytes = 0;
      }
    }
  }

  void deliver(Child& c, std::string chunk, bool flow_controlled) {
    if (chunk.empty() || c.released) return;
    c.since_ack += chunk.size();
    bool ack = flow_controlled && c.since_ack >= options.window_bytes;
    if (ack) {
      c.paused = true;
      epoll_ctl(bulkfd, EPOLL_CTL_DEL, c.pipe, nullptr);
    }
    if (c.sink.on_output) c.sink.on_output(std::move(chunk), ack);
  }

  // Whatever the pipe holds now, without waiting: after the exit nothing
  // more can come from the child itself, and an escaped grandchild may hold
  // the pipe open forever.
  void final_drain(Child& c) {
    if (c.pipe < 0 || c.released) return;
    std::string rest;
    while (rest.size() < kFinalDrainLimit) {
      ssize_t r = read(c.pipe, read_buf.data(), read_buf.size());
      if (r > 0) rest.append(read_buf.data(), static_cast<size_t>(r));
      else if (r < 0 && errno == EINTR) continue;
      else break;
    }
    deliver(c, std::move(rest), false);
  }

  void on_child_exit(ChildId id) {
    auto it = children.find(id);
    if (it == children.end()) return;
    Child& c = it->second;
    // Leftovers of its process group first: the zombie still holds the pid,
    // so the group id cannot name anybody else yet. The helper's fence guard
    // forgets the group before the reap, for the same reason.
    kill_group(c, SIGKILL);
    if (c.from_helper) {
      spawner->forget(c.pid);
      c.from_helper = false;
    }
    siginfo_t info{};
    int r = wait_pidfd(c.pidfd, info, WEXITED | WNOHANG);
    if (r == 0 && info.si_pid == 0) return;  // not reapable yet; the pidfd stays readable
    // r != 0 (ECHILD): someone else reaped it, against the rules. Report an
    // unknown status rather than lose the exit.
    ExitStatus status = r == 0 ? exit_status(info) : ExitStatus{};
    sweep_due = true;  // its escaped descendants have just come to us
    final_drain(c);
    ChildSink sink = std::move(c.sink);
    bool silent = c.released;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c.pidfd, nullptr);
    close_fd(c.pidfd);
    close_pipe(c);
    children.erase(it);
    child_count.store(children.size(), std::memory_order_relaxed);
    if (!silent && sink.on_exit) sink.on_exit(status);
  }

  void read_signals() {
    signalfd_siginfo si;
    bool child_signal = false;
    while (read(sigfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
      if (si.ssi_signo == SIGCHLD) child_signal = true;
      else if (signal_handler) signal_handler(static_cast<int>(si.ssi_signo));
    }
    if (child_signal) sweep_due = true;  // a stray died: reap it
  }

  // Escaped descendants of ended jobs (strays.hpp). Never while a spawn is
  // in flight: the helper may have made a job process whose pid we do not
  // know yet; sweep_due stays set and the sweep runs after the replies.
  void sweep_strays() {
    if (!options.sweep_strays || !spawner || in_flight > 0) return;
    sweep_due = false;
    std::unordered_set<pid_t> ours{spawner->pid()};
    for (auto& [id, c] : children)
      if (c.pid > 0) ours.insert(c.pid);
    strays::sweep(ours, false);
  }

  const Options options;
  SpawnHelper* const spawner;
  int epfd = -1, bulkfd = -1, wakefd = -1, sigfd = -1;

  std::mutex mu;                 // guards queue
  std::vector<Command> queue;
  std::atomic<ChildId> next_id{1};
  std::atomic<size_t> child_count{0};
  // Spawns and adopts pushed but not yet taken by the loop: children() counts
  // them too, so a caller that spawns and then waits for zero children never
  // sees zero before the loop has seen the child.
  std::atomic<size_t> queued_children{0};

  std::mutex lifecycle;          // guards thread, started, stopped
  std::thread thread;
  bool started = false, stopped = false;

  // Reactor thread only.
  bool stopping = false;
  std::unordered_map<ChildId, Child> children;
  std::function<void(int)> signal_handler;
  bool bulk_armed = true;
  Clock::time_point rearm_at;
  std::vector<char> read_buf;
  std::vector<epoll_event> bulk_events;
  std::deque<ChildId> spawn_queue;  // spawn() not yet sent to the helper, in order
  size_t in_flight = 0;             // sent, no reply yet
  bool sweep_due = false;           // a job process ended or a stray died since the last sweep
};

Reactor::Reactor(Options options) : loop_(std::make_unique<Loop>(options)) {}

Reactor::~Reactor() { stop(); }

void Reactor::start() {
  std::lock_guard<std::mutex> lock(loop_->lifecycle);
  if (loop_->started || loop_->stopped) return;
  loop_->started = true;
  raise_nofile_limit();
  loop_->thread = std::thread([l = loop_.get()] {
    pthread_setname_np(pthread_self(), "ffleet-reactor");  // for top -H, gdb, /proc
    l->run();
  });
}

void Reactor::stop() {
  std::lock_guard<std::mutex> lock(loop_->lifecycle);
  if (loop_->stopped) return;
  loop_->stopped = true;
  if (!loop_->thread.joinable()) return;
  Loop::Command c;
  c.kind = Loop::Command::kStop;
  loop_->push(std::move(c));
  loop_->thread.join();
}

ChildId Reactor::spawn(SpawnRequest request, ChildSink sink) {
  ChildId id = reserve_id();
  spawn(id, std::move(request), std::move(sink));
  return id;
}

void Reactor::spawn(ChildId id, SpawnRequest request, ChildSink sink) {
  Loop::Command c;
  c.id = id;
  c.sink = std::move(sink);
  if (loop_->spawner) {
    c.kind = Loop::Command::kSpawn;
    c.request = std::make_unique<SpawnRequest>(std::move(request));
  } else {
    // The caller's thread (a CAF worker, which lives as long as the daemon).
    auto r = spawn_child(request);
    c.kind = Loop::Command::kSpawned;
    c.error = r.error;
    if (r.child) c.child = *r.child;
  }
  loop_->push(std::move(c));
}

ChildId Reactor::adopt(SpawnedChild child, ChildSink sink) {
  ChildId id = reserve_id();
  adopt(id, child, std::move(sink));
  return id;
}

ChildId Reactor::reserve_id() { return loop_->next_id.fetch_add(1, std::memory_order_relaxed); }

void Reactor::adopt(ChildId id, SpawnedChild child, ChildSink sink) {
  Loop::Command c;
  c.kind = Loop::Command::kAdopt;
  c.id = id;
  c.child = child;
  c.sink = std::move(sink);
  loop_->push(std::move(c));
}

// A command about one child, queued for the loop thread.
void Reactor::send(int kind, ChildId id, int sig) {
  Loop::Command c;
  c.kind = static_cast<Loop::Command::Kind>(kind);
  c.id = id;
  c.sig = sig;
  loop_->push(std::move(c));
}

void Reactor::signal_group(ChildId id, int sig) { send(Loop::Command::kSignalGroup, id, sig); }

void Reactor::kill_and_close(ChildId id) { send(Loop::Command::kKillClose, id); }

void Reactor::resume(ChildId id) { send(Loop::Command::kResume, id); }

void Reactor::release(ChildId id) { send(Loop::Command::kRelease, id); }

void Reactor::on_signals(const sigset_t& signals, std::function<void(int)> handler) {
  int fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    std::perror("ffleet reactor: signalfd");
    return;
  }
  Loop::Command c;
  c.kind = Loop::Command::kSignals;
  c.sigfd = fd;
  c.handler = std::move(handler);
  loop_->push(std::move(c));
}

size_t Reactor::children() const {
  return loop_->child_count.load(std::memory_order_relaxed) +
         loop_->queued_children.load(std::memory_order_relaxed);
}

}  // namespace ffleet

#include "src/process/spawner.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "src/process/child_launch.hpp"
#include "src/util/logging.hpp"

#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP (1U << 2)  // <linux/pidfd.h>, Linux 6.9
#endif

namespace ffleet {
namespace {

// ---- the messages ---------------------------------------------------------

enum : uint32_t { kSpawnMsg = 1, kForgetMsg = 2, kFenceUntilMsg = 3, kFenceReleaseMsg = 4 };

// daemon -> helper, spawn socket; followed by NUL-terminated strings:
// binary, args..., env..., cwd. The stderr write end rides along (SCM_RIGHTS).
struct SpawnHeader {
  uint32_t kind;
  uint32_t args;
  uint32_t env;
  uint32_t reserved;
  uint64_t tag;
};

// daemon -> helper, spawn socket.
struct ForgetMsg {
  uint32_t kind;
  int32_t pid;
};

// helper -> daemon, spawn socket; followed by the error text (empty: success).
struct ReplyHeader {
  uint64_t tag;
  int32_t pid;
  uint32_t error_len;
};

// daemon -> guard, fence socket.
struct FenceMsg {
  uint32_t kind;
  uint32_t reserved;
  int64_t deadline_ns;  // CLOCK_MONOTONIC
};

// A request must fit the socket buffer in one message; an ffmpeg command
// line is a few KiB.
constexpr size_t kMaxMessage = 192 * 1024;
constexpr int kSocketBuffer = 1 << 20;

// The helper's fd layout: 0-2 stdio (0 and 1 /dev/null, 2 the daemon's
// stderr for diagnostics), 3 /dev/null for the children, 4 and 5 one slot per
// worker for the stderr pipe of the child it is creating, 6 the spawn socket,
// 7 the fence socket. Children copy only fds 0-5.
constexpr int kDevNull = 3;
constexpr int kWorkerSlot0 = 4;
constexpr int kWorkers = 2;
constexpr int kKeepBelow = 6;
constexpr int kSpawnSock = 6;
constexpr int kFenceSock = 7;

int64_t now_ns(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool send_all(int sock, const void* data, size_t size) {
  while (send(sock, data, size, MSG_NOSIGNAL) < 0)
    if (errno != EINTR) return false;
  return true;
}

// ---- the helper process ---------------------------------------------------

// Every job process the helper made and the daemon has not yet reaped, and
// the fence. Shared by the two workers and the guard (threads of the helper,
// not actors: a mutex is the plain tool here).
struct Guard {
  std::mutex mu;
  std::unordered_map<pid_t, int> children;  // pid (= pgid) -> pidfd
  bool armed = false;
  bool expired = false;   // armed and the deadline passed: every group is killed
  int timer = -1;         // timerfd on CLOCK_BOOTTIME

  static void kill_group(pid_t pid, int pidfd) {
    if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, PIDFD_SIGNAL_PROCESS_GROUP) == 0) return;
    if (errno == EINVAL && pid > 1) kill(-pid, SIGKILL);  // before Linux 6.9; see the header
  }

  void add(pid_t pid, int pidfd) {
    std::lock_guard<std::mutex> lock(mu);
    children[pid] = pidfd;
    if (expired) kill_group(pid, pidfd);  // it fired while this one was starting
  }

  bool fired() {
    std::lock_guard<std::mutex> lock(mu);
    return expired;
  }

  void forget(pid_t pid) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = children.find(pid);
    if (it == children.end()) return;
    close(it->second);
    children.erase(it);
  }

  void fire() {
    std::lock_guard<std::mutex> lock(mu);
    if (!armed || expired) return;
    expired = true;
    for (auto& [pid, pidfd] : children) kill_group(pid, pidfd);
  }

  void arm(int64_t monotonic_deadline_ns) {
    // CLOCK_BOOTTIME counts a suspend, CLOCK_MONOTONIC does not: converted
    // now, a deadline that passed while the machine slept fires on resume.
    int64_t left = monotonic_deadline_ns - now_ns(CLOCK_MONOTONIC);
    int64_t at = now_ns(CLOCK_BOOTTIME) + std::max<int64_t>(left, 1);
    itimerspec its{};
    its.it_value.tv_sec = at / 1000000000;
    its.it_value.tv_nsec = at % 1000000000;
    std::lock_guard<std::mutex> lock(mu);
    armed = true;
    expired = false;
    timerfd_settime(timer, TFD_TIMER_ABSTIME, &its, nullptr);
  }

  void release() {
    itimerspec off{};
    std::lock_guard<std::mutex> lock(mu);
    armed = false;
    expired = false;
    timerfd_settime(timer, 0, &off, nullptr);
  }
};

Guard* guard = nullptr;  // the helper process's own

// The daemon died (its socket closed, or the parent death signal came): its
// job processes got their own parent death signal, but not their
// grandchildren. Kill every group that is left, then go.
[[noreturn]] void daemon_gone() {
  {
    std::lock_guard<std::mutex> lock(guard->mu);
    for (auto& [pid, pidfd] : guard->children) Guard::kill_group(pid, pidfd);
  }
  _exit(0);
}

std::vector<std::string> split_strings(const char* p, const char* end, size_t& count_ok) {
  std::vector<std::string> out;
  while (p < end) {
    const char* nul = static_cast<const char*>(memchr(p, '\0', static_cast<size_t>(end - p)));
    if (!nul) break;
    out.emplace_back(p, nul);
    p = nul + 1;
  }
  count_ok = out.size();
  return out;
}

void reply(uint64_t tag, pid_t pid, const std::string& error) {
  std::vector<char> buf(sizeof(ReplyHeader) + error.size());
  ReplyHeader h{tag, pid, static_cast<uint32_t>(error.size())};
  memcpy(buf.data(), &h, sizeof h);
  memcpy(buf.data() + sizeof h, error.data(), error.size());
  if (!send_all(kSpawnSock, buf.data(), buf.size())) daemon_gone();
}

void spawn_one(int slot, const std::vector<char>& buf, size_t n, pid_t daemon) {
  SpawnHeader h;
  memcpy(&h, buf.data(), sizeof h);
  size_t count = 0;
  auto strings = split_strings(buf.data() + sizeof h, buf.data() + n, count);
  if (count != 2 + h.args + h.env) {
    reply(h.tag, -1, "spawn helper: malformed request");
    return;
  }
  SpawnRequest req;
  req.binary = strings[0];
  req.args.assign(strings.begin() + 1, strings.begin() + 1 + h.args);
  req.env.assign(strings.begin() + 1 + h.args, strings.end() - 1);
  req.cwd = strings.back();

  // Fenced: start nothing. A process killed right after its start has still
  // run for a moment, while another node may already run the same job.
  if (guard->fired()) {
    reply(h.tag, -1, "fenced: this node lost its lease; no job starts until it renews it");
    return;
  }
  std::string path, error;
  if (!resolve_for_spawn(req.binary, path, error)) {
    reply(h.tag, -1, error);
    return;
  }
  Launched l = launch_child(req, path, LaunchFds{kDevNull, slot, kKeepBelow}, daemon, true);
  if (!l.error.empty()) {
    reply(h.tag, l.pid, l.error);  // the daemon reaps the failed child: it is its parent
    return;
  }
  guard->add(l.pid, l.pidfd);
  reply(h.tag, l.pid, {});
}

// One of two: takes requests off the spawn socket (seqpacket: each recvmsg is
// one whole message, whichever worker gets it).
void worker(int k, pid_t daemon) {
  const int slot = kWorkerSlot0 + k;
  std::vector<char> buf(kMaxMessage);
  for (;;) {
    iovec iov{buf.data(), buf.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(kSpawnSock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) daemon_gone();
    int passed = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&passed, CMSG_DATA(c), sizeof passed);
    uint32_t kind = 0;
    if (static_cast<size_t>(n) >= sizeof kind) memcpy(&kind, buf.data(), sizeof kind);

    if (kind == kForgetMsg && static_cast<size_t>(n) >= sizeof(ForgetMsg)) {
      ForgetMsg f;
      memcpy(&f, buf.data(), sizeof f);
      guard->forget(f.pid);
    } else if (kind == kSpawnMsg && static_cast<size_t>(n) >= sizeof(SpawnHeader)) {
      if (passed < 0) {
        SpawnHeader h;
        memcpy(&h, buf.data(), sizeof h);
        reply(h.tag, -1, "spawn helper: request without a stderr pipe");
        continue;
      }
      // The pipe goes into this worker's fixed low slot, the only place a
      // child can see it; the slot gets /dev/null back afterwards, so the
      // helper never holds a pipe open.
      dup3(passed, slot, O_CLOEXEC);
      close(passed);
      passed = -1;
      spawn_one(slot, buf, static_cast<size_t>(n), daemon);
      dup3(kDevNull, slot, O_CLOEXEC);
    }
    if (passed >= 0) close(passed);
  }
}

// Reads every fence message waiting; false when the daemon closed its end.
bool drain_fence() {
  for (;;) {
    FenceMsg m;
    ssize_t n = recv(kFenceSock, &m, sizeof m, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN;
    if (n == 0) return false;
    if (static_cast<size_t>(n) < sizeof m) continue;
    if (m.kind == kFenceUntilMsg) guard->arm(m.deadline_ns);
    else if (m.kind == kFenceReleaseMsg) guard->release();
  }
}

void guard_loop(int parent_death) {
  for (;;) {
    pollfd p[3] = {{kFenceSock, POLLIN, 0}, {guard->timer, POLLIN, 0}, {parent_death, POLLIN, 0}};
    if (poll(p, 3, -1) < 0) continue;
    if (p[2].revents) return;
    if (p[0].revents && !drain_fence()) return;
    if (p[1].revents) {
      uint64_t ticks;
      if (read(guard->timer, &ticks, sizeof ticks) < 0) {}
      // A newer fence_until may be waiting right behind: read it first.
      if (!drain_fence()) return;
      timespec now;
      clock_gettime(CLOCK_BOOTTIME, &now);
      itimerspec left{};
      timerfd_gettime(guard->timer, &left);
      bool still_due = left.it_value.tv_sec == 0 && left.it_value.tv_nsec == 0;
      if (still_due) guard->fire();
    }
  }
}

// Moves fd `from` to exactly `to` (close-on-exec).
void place(int from, int to) {
  if (from == to) {
    fcntl(to, F_SETFD, FD_CLOEXEC);
    return;
  }
  dup3(from, to, O_CLOEXEC);
}

[[noreturn]] void helper_main(int spawn_sock, int fence_sock, pid_t daemon) {
  // Every signal blocked, the parent death signal read from a signalfd: the
  // helper outlives the daemon only as long as it takes to kill what is left.
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  if (prctl(PR_SET_PDEATHSIG, SIGUSR1) != 0 || getppid() != daemon) _exit(0);
  setpgid(0, 0);
  prctl(PR_SET_NAME, "ffleet-spawner");  // for ps, top and the benchmarks

  // The fixed fd layout (see the constants above): first the sockets out of
  // the way and into place, then everything else closed.
  int a = fcntl(spawn_sock, F_DUPFD_CLOEXEC, 8);
  int b = fcntl(fence_sock, F_DUPFD_CLOEXEC, 8);
  if (a < 0 || b < 0) _exit(1);
  place(a, kSpawnSock);
  place(b, kFenceSock);
  syscall(SYS_close_range, 8, ~0U, 0);
  syscall(SYS_close_range, 3, 5, 0);
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);  // the lowest free: 0-2 if closed, else 3
  if (null_fd < 0) _exit(1);
  place(null_fd, kDevNull);
  for (int fd = kWorkerSlot0; fd < kKeepBelow; ++fd) place(kDevNull, fd);
  dup2(kDevNull, 0);
  dup2(kDevNull, 1);
  if (fcntl(2, F_GETFD) < 0) dup2(kDevNull, 2);

  guard = new Guard;
  guard->timer = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC | TFD_NONBLOCK);
  sigset_t death;
  sigemptyset(&death);
  sigaddset(&death, SIGUSR1);
  int parent_death = signalfd(-1, &death, SFD_CLOEXEC | SFD_NONBLOCK);
  if (guard->timer < 0 || parent_death < 0) _exit(1);
  for (int k = 0; k < kWorkers; ++k) std::thread(worker, k, daemon).detach();
  guard_loop(parent_death);
  daemon_gone();
}

std::atomic<SpawnHelper*> fence_helper{nullptr};

}  // namespace

// ---- the daemon's side ------------------------------------------------------

std::unique_ptr<SpawnHelper> SpawnHelper::start(std::string* error) {
  auto fail = [&](const std::string& what) {
    if (error) *error = "cannot start the spawn helper: " + what + ": " + strerror(errno);
    return nullptr;
  };
  int sp[2], fp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0) return fail("socketpair");
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fp) != 0) {
    close(sp[0]);
    close(sp[1]);
    return fail("socketpair");
  }
  // Room for bursts of requests (a fleet starting) and of replies.
  for (int fd : {sp[0], sp[1]}) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
  }
  pid_t daemon = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {sp[0], sp[1], fp[0], fp[1]}) close(fd);
    return fail("fork");
  }
  if (pid == 0) helper_main(sp[1], fp[1], daemon);
  close(sp[1]);
  close(fp[1]);
  return std::unique_ptr<SpawnHelper>(new SpawnHelper(pid, sp[0], fp[0]));
}

SpawnHelper::~SpawnHelper() {
  SpawnHelper* self = this;
  fence_helper.compare_exchange_strong(self, nullptr);
  // On EOF the helper kills the groups it still knows of, and exits.
  close(spawn_sock_);
  close(fence_sock_);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

SpawnHelper::Sent SpawnHelper::send_spawn(uint64_t tag, const SpawnRequest& request, int stderr_w,
                                          std::string& error) {
  if (gone_) {
    error = cannot_run(request.binary, ECHILD) + " (the spawn helper is gone)";
    return Sent::failed;
  }
  SpawnHeader h{kSpawnMsg, static_cast<uint32_t>(request.args.size()), static_cast<uint32_t>(request.env.size()),
                0, tag};
  std::string body(reinterpret_cast<const char*>(&h), sizeof h);
  auto add = [&](const std::string& s) {
    body += s;
    body += '\0';
  };
  add(request.binary);
  for (auto& a : request.args) add(a);
  for (auto& e : request.env) add(e);
  add(request.cwd);
  if (body.size() > kMaxMessage) {
    error = cannot_run(request.binary, E2BIG);
    return Sent::failed;
  }

  iovec iov{body.data(), body.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &stderr_w, sizeof stderr_w);
  for (;;) {
    if (sendmsg(spawn_sock_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return Sent::ok;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == ENOBUFS) return Sent::again;
    int err = errno;
    if (err == EPIPE || err == ECONNRESET) gone_ = true;
    error = cannot_run(request.binary, err) + " (spawn helper)";
    return Sent::failed;
  }
}

bool SpawnHelper::read_reply(Reply& out) {
  if (gone_) return false;
  char buf[sizeof(ReplyHeader) + 4096];
  ssize_t n;
  while ((n = recv(spawn_sock_, buf, sizeof buf, MSG_DONTWAIT)) < 0 && errno == EINTR) {
  }
  if (n < 0 && errno == EAGAIN) return false;
  if (n < static_cast<ssize_t>(sizeof(ReplyHeader))) {
    gone_ = true;  // EOF, reset, or garbage: the helper is not working
    return false;
  }
  ReplyHeader h;
  memcpy(&h, buf, sizeof h);
  out.tag = h.tag;
  out.pid = h.pid;
  out.error.assign(buf + sizeof h, std::min<size_t>(h.error_len, static_cast<size_t>(n) - sizeof h));
  return true;
}

void SpawnHelper::forget(pid_t pid) {
  ForgetMsg m{kForgetMsg, pid};
  if (!gone_) send_all(spawn_sock_, &m, sizeof m);
}

SpawnResult SpawnHelper::spawn(const SpawnRequest& request) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
    return {std::nullopt, cannot_run(request.binary, errno)};
  uint64_t tag = next_sync_tag_++;
  std::string error;
  Sent sent;
  while ((sent = send_spawn(tag, request, p[1], error)) == Sent::again) {
    pollfd w{spawn_sock_, POLLOUT, 0};
    poll(&w, 1, 1000);
  }
  close(p[1]);
  if (sent == Sent::failed) {
    close(p[0]);
    return {std::nullopt, error};
  }
  Reply r;
  for (;;) {
    if (read_reply(r)) {
      if (r.tag == tag) break;
      continue;
    }
    if (gone_) {
      close(p[0]);
      return {std::nullopt, cannot_run(request.binary, ECHILD) + " (the spawn helper is gone)"};
    }
    pollfd rd{spawn_sock_, POLLIN, 0};
    poll(&rd, 1, 1000);
  }
  if (!r.error.empty()) {
    close(p[0]);
    if (r.pid > 0)
      while (waitpid(r.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    return {std::nullopt, r.error};
  }
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, r.pid, 0));
  if (pidfd < 0) {  // only if someone reaped our child behind our back
    close(p[0]);
    return {std::nullopt, cannot_run(request.binary, errno) + " (pidfd_open)"};
  }
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  return {SpawnedChild{r.pid, pidfd, p[0]}, {}};
}

void SpawnHelper::fence_until(std::chrono::steady_clock::time_point deadline) {
  FenceMsg m{kFenceUntilMsg, 0,
             std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count()};
  send_all(fence_sock_, &m, sizeof m);
}

void SpawnHelper::fence_release() {
  FenceMsg m{kFenceReleaseMsg, 0, 0};
  send_all(fence_sock_, &m, sizeof m);
}

void set_fence_guard(SpawnHelper* helper) { fence_helper.store(helper); }

void fence_until(std::chrono::steady_clock::time_point deadline) {
  if (SpawnHelper* h = fence_helper.load()) h->fence_until(deadline);
  else log_error("", "fence_until: no spawn helper to guard the jobs (set_fence_guard)");
}

void fence_release() {
  if (SpawnHelper* h = fence_helper.load()) h->fence_release();
  else log_error("", "fence_release: no spawn helper (set_fence_guard)");
}

}  // namespace ffleet

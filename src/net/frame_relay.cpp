#include "src/net/frame_relay.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

#include "src/net/listener.hpp"
#include "src/net/log_budget.hpp"

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t pipe_capacity = 16 * 1024;  // per direction and connection

// Bytes read from one socket, not yet written to the other.
struct Pipe {
  std::vector<char> bytes = std::vector<char>(pipe_capacity);
  size_t begin = 0, end = 0;

  bool empty() const { return begin == end; }
  size_t room() const { return bytes.size() - end; }
};

struct Connection;

// What an epoll event points at: one side of a connection (or, with a null
// connection, the listener or the wake-up descriptor).
struct Side {
  Connection* connection = nullptr;
  bool peer = false;
  bool registered = false;
  uint32_t interest = 0;  // as registered with epoll
};

struct Connection {
  int peer = -1, daemon = -1;
  std::string address;
  FrameGuard guard;
  Pipe up, down;  // up: peer -> daemon (checked); down: daemon -> peer
  Clock::time_point deadline = Clock::time_point::max();
  bool closed = false;
  Side peer_side, daemon_side;
};

enum class Io { ok, eof, failed };

// One non-blocking read into the free end of `pipe`; `got` is what arrived.
Io read_into(int fd, Pipe& pipe, size_t* got) {
  *got = 0;
  if (pipe.room() == 0) return Io::ok;
  ssize_t n = ::recv(fd, pipe.bytes.data() + pipe.end, pipe.room(), 0);
  if (n > 0) {
    *got = static_cast<size_t>(n);
    pipe.end += *got;
    return Io::ok;
  }
  if (n == 0) return Io::eof;
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? Io::ok : Io::failed;
}

Io write_from(int fd, Pipe& pipe) {
  while (!pipe.empty()) {
    ssize_t n = ::send(fd, pipe.bytes.data() + pipe.begin, pipe.end - pipe.begin, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? Io::ok : Io::failed;
    pipe.begin += static_cast<size_t>(n);
  }
  pipe.begin = pipe.end = 0;
  return Io::ok;
}

uint32_t interest(bool read, bool write) {
  return (read ? uint32_t(EPOLLIN) : 0u) | (write ? uint32_t(EPOLLOUT) : 0u);
}

std::string seconds_text(std::chrono::milliseconds d) {
  return std::to_string(d.count() / 1000) + (d.count() % 1000 ? "." + std::to_string(d.count() % 1000 / 100) : "") +
         " s";
}

}  // namespace

struct FrameRelay::Loop {
  RelayLimits limits;
  ConnectDaemon connect;
  int listener = -1, wake = -1, epoll = -1;
  Side listener_side, wake_side;
  std::list<Connection> connections;
  LogBudget refusals{"control", 20};

  ~Loop() {
    for (auto& c : connections) close_both(c);
    for (int fd : {listener, epoll})
      if (fd >= 0) ::close(fd);
  }

  void watch(int fd, Side& side, uint32_t interest) {
    if (side.registered && side.interest == interest) return;
    epoll_event ev{};
    ev.events = interest;
    ev.data.ptr = &side;
    ::epoll_ctl(epoll, side.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    side.registered = true;
    side.interest = interest;
  }

  void run() {
    std::vector<epoll_event> events(128);
    bool stopping = false;
    while (!stopping) {
      int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 250);
      for (int i = 0; i < n; ++i) {
        auto* side = static_cast<Side*>(events[i].data.ptr);
        if (side == &wake_side) stopping = true;
        else if (side == &listener_side) accept_all();
        else if (!side->connection->closed) pump(*side->connection);
      }
      enforce_deadlines();
      connections.remove_if([](const Connection& c) { return c.closed; });
      refusals.roll();
    }
    drain();
  }

  // Stopping: what the daemon already wrote still reaches its client (the
  // reply to `ctl shutdown` is written while the daemon winds down, and was
  // lost when the connections closed at once). Pumps, accepting nothing
  // new, until no connection has moved a byte for `quiet`, at most `limit`,
  // so a busy or silent client cannot hold up the exit.
  void drain() {
    constexpr auto quiet = std::chrono::milliseconds(100);
    constexpr auto limit = std::chrono::milliseconds(500);
    ::epoll_ctl(epoll, EPOLL_CTL_DEL, listener, nullptr);
    ::epoll_ctl(epoll, EPOLL_CTL_DEL, wake, nullptr);
    std::vector<epoll_event> events(128);
    auto end = Clock::now() + limit;
    while (!connections.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
      if (left.count() <= 0) break;
      int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()),
                           static_cast<int>(std::min(left, quiet).count()));
      if (n <= 0) break;  // quiet
      for (int i = 0; i < n; ++i) {
        auto* side = static_cast<Side*>(events[i].data.ptr);
        if (!side->connection->closed) pump(*side->connection);
      }
      connections.remove_if([](const Connection& c) { return c.closed; });
    }
  }

  void accept_all() {
    std::string address;
    for (int fd; (fd = accept_connection(listener, &address)) >= 0;) {
      if (connections.size() >= limits.max_connections) {
        refusals.warn("control: refused " + address + ": " + std::to_string(connections.size()) +
                      " connections open, the limit");
        ::close(fd);
        continue;
      }
      int daemon = connect();
      if (daemon < 0) {
        log_error("", "control: cannot pass " + address + " on to the daemon: " + std::strerror(errno));
        ::close(fd);
        continue;
      }
      auto& c = connections.emplace_back();
      c.peer = fd;
      c.daemon = daemon;
      c.address = address;
      c.guard = FrameGuard(limits.frames);
      c.deadline = Clock::now() + limits.handshake_timeout;
      c.peer_side.connection = &c;
      c.peer_side.peer = true;
      c.daemon_side.connection = &c;
      pump(c);
    }
  }

  // Moves whatever can move, in both directions, then re-arms epoll.
  void pump(Connection& c) {
    size_t got = 0;
    Io up_read = read_into(c.peer, c.up, &got);
    if (got > 0 && !c.guard.feed(reinterpret_cast<const uint8_t*>(c.up.bytes.data() + c.up.end - got), got)) {
      refusals.warn("control: refused " + c.address + ": " + c.guard.reason() + "; connection closed");
      return close_both(c);
    }
    if (up_read != Io::ok || write_from(c.daemon, c.up) != Io::ok) return close_both(c);
    Io down_read = read_into(c.daemon, c.down, &got);
    Io down_write = write_from(c.peer, c.down);
    if (down_read != Io::ok || down_write != Io::ok) return close_both(c);

    if (c.guard.frames() > 0)  // past the handshake: only a started frame has a deadline
      c.deadline = c.guard.frame_incomplete()
                       ? std::min(c.deadline, Clock::now() + limits.frame_timeout)
                       : Clock::time_point::max();
    watch(c.peer, c.peer_side, interest(c.up.room() > 0, !c.down.empty()));
    watch(c.daemon, c.daemon_side, interest(c.down.room() > 0, !c.up.empty()));
  }

  void enforce_deadlines() {
    auto now = Clock::now();
    for (auto& c : connections) {
      if (c.closed || now < c.deadline) continue;
      refusals.warn("control: closed " + c.address + ": " +
                    (c.guard.frames() == 0 ? "no handshake within " + seconds_text(limits.handshake_timeout)
                                           : "a frame still incomplete after " + seconds_text(limits.frame_timeout)));
      close_both(c);
    }
  }

  void close_both(Connection& c) {
    if (c.closed) return;
    c.closed = true;
    ::close(c.peer);  // closing removes them from epoll
    ::close(c.daemon);
  }
};

std::unique_ptr<FrameRelay> FrameRelay::start(const HostPort& at, RelayLimits limits, ConnectDaemon connect,
                                              std::string* error) {
  std::unique_ptr<FrameRelay> relay(new FrameRelay);
  auto loop = std::make_unique<Loop>();
  loop->limits = limits;
  loop->connect = std::move(connect);
  loop->listener = open_listener(at, error);
  if (loop->listener < 0) return nullptr;
  loop->epoll = ::epoll_create1(EPOLL_CLOEXEC);
  relay->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  loop->wake = relay->wake_fd_;
  if (loop->epoll < 0 || relay->wake_fd_ < 0) {
    if (error) *error = std::strerror(errno);
    return nullptr;
  }
  loop->watch(loop->listener, loop->listener_side, EPOLLIN);
  loop->watch(loop->wake, loop->wake_side, EPOLLIN);
  relay->port_ = local_port(loop->listener);
  relay->loop_ = std::move(loop);
  relay->thread_ = std::thread([l = relay->loop_.get()] { l->run(); });
  return relay;
}

FrameRelay::~FrameRelay() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  loop_.reset();  // closes the listener and every connection
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

}  // namespace ffleet

#include "src/net/http_door.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include "src/net/listener.hpp"
#include "src/net/log_budget.hpp"

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;

int millis(std::chrono::milliseconds d) { return static_cast<int>(d.count()); }

bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int n;
  do n = ::poll(&p, 1, millis(timeout));
  while (n < 0 && errno == EINTR);
  return n > 0;
}

// Where a request head ends in `text`, or npos: the first empty line. Bare
// "\n" line ends are accepted here too, so such a client is answered (by the
// parser, with whatever it makes of it) rather than left waiting.
size_t head_end(const std::string& text) {
  auto crlf = text.find("\r\n\r\n");
  auto lf = text.find("\n\n");
  if (crlf == std::string::npos && lf == std::string::npos) return std::string::npos;
  return std::min(crlf == std::string::npos ? crlf : crlf + 4, lf == std::string::npos ? lf : lf + 2);
}

// A fixed reply for a request the door refuses itself; best effort, the
// connection closes after it.
void refuse(int fd, const char* status) {
  std::string reply = std::string("HTTP/1.1 ") + status + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  [[maybe_unused]] auto n = ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void split_address(const sockaddr* address, std::string* ip, int* port) {
  auto text = address_text(address);  // "1.2.3.4:5" or "[::1]:5"
  auto colon = text.rfind(':');
  *ip = text.substr(0, colon);
  if (!ip->empty() && ip->front() == '[') *ip = ip->substr(1, ip->size() - 2);
  *port = colon == std::string::npos ? 0 : std::atoi(text.c_str() + colon + 1);
}

enum class State { waiting, busy, lingering };

struct Conn : DoorConnection {
  int socket = -1;
  std::string peer;       // "ADDR:PORT" for the log
  std::string buffer;     // received, not yet consumed by a request
  State state = State::waiting;
  bool in_epoll = false;
  bool keep = true;       // set by the worker: serve more requests on it
  Clock::time_point deadline;
  Clock::time_point last_active;
  size_t lingered = 0;
  DoorLimits limits;

  ssize_t read(char* out, size_t size) override {
    if (!buffer.empty()) {
      size_t n = std::min(size, buffer.size());
      std::memcpy(out, buffer.data(), n);
      buffer.erase(0, n);
      return static_cast<ssize_t>(n);
    }
    if (!wait_for(socket, POLLIN, limits.head_timeout)) return -1;
    return ::recv(socket, out, size, 0);
  }
  ssize_t write(const char* data, size_t size) override {
    size_t done = 0;
    while (done < size) {
      if (!wait_for(socket, POLLOUT, limits.write_timeout)) return -1;
      ssize_t n = ::send(socket, data + done, size - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return -1;
      done += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(done);
  }
  bool readable() const override { return !buffer.empty() || wait_for(socket, POLLIN, limits.head_timeout); }
  bool writable() const override { return wait_for(socket, POLLOUT, limits.write_timeout); }
  int fd() const override { return socket; }

  void learn_addresses() {
    sockaddr_storage a{};
    socklen_t size = sizeof a;
    if (::getpeername(socket, reinterpret_cast<sockaddr*>(&a), &size) == 0)
      split_address(reinterpret_cast<sockaddr*>(&a), &peer_ip_, &peer_port_);
    size = sizeof a;
    if (::getsockname(socket, reinterpret_cast<sockaddr*>(&a), &size) == 0)
      split_address(reinterpret_cast<sockaddr*>(&a), &local_ip_, &local_port_);
  }
};

}  // namespace

struct HttpDoor::Loop {
  DoorLimits limits;
  Serve serve;
  int listener = -1, epoll = -1, wake = -1;
  uint16_t port = 0;
  std::list<Conn> conns;  // owned and touched by the loop thread, except a busy one by its worker
  LogBudget refusals{"http", 20};
  std::thread thread;
  std::vector<std::thread> workers;
  std::atomic<bool> stopping{false};

  // loop -> workers
  std::mutex ready_mutex;
  std::condition_variable ready_cv;
  std::deque<Conn*> ready;
  bool workers_done = false;
  // workers -> loop
  std::mutex done_mutex;
  std::vector<Conn*> done;

  void watch(Conn& c, bool on) {
    if (on == c.in_epoll) return;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    ::epoll_ctl(epoll, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, c.socket, &ev);
    c.in_epoll = on;
  }

  void run() {
    std::vector<epoll_event> events(256);
    while (!stopping) {
      int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 250);
      for (int i = 0; i < n; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &listener) accept_all();
        else if (tag == &wake) take_back();
        else on_readable(*static_cast<Conn*>(tag));
      }
      enforce_deadlines();
      conns.remove_if([](const Conn& c) { return c.socket < 0; });
      refusals.roll();
    }
    // Stopping: nothing new, and every connection ends now. A busy one is
    // shut down under its worker, whose next read or write fails at once.
    ::close(listener);
    listener = -1;
    for (auto& c : conns) {
      if (c.state == State::busy) ::shutdown(c.socket, SHUT_RDWR);
      else close_now(c);
    }
  }

  void accept_all() {
    std::string peer;
    for (int fd; (fd = accept_connection(listener, &peer)) >= 0;) {
      if (conns.size() >= limits.max_connections && !make_room()) {
        refusals.warn("http: refused " + peer + ": " + std::to_string(conns.size()) + " connections busy, the limit");
        ::close(fd);
        continue;
      }
      auto& c = conns.emplace_back();
      c.socket = fd;
      c.peer = peer;
      c.limits = limits;
      c.learn_addresses();
      wait_for_request(c);
    }
  }

  // Closes the connection that has waited longest for its next request.
  bool make_room() {
    Conn* oldest = nullptr;
    for (auto& c : conns)
      if (c.socket >= 0 && c.state != State::busy && (!oldest || c.last_active < oldest->last_active)) oldest = &c;
    if (!oldest) return false;
    log_debug("", "http: closed idle " + oldest->peer + " to make room for a new connection");
    close_now(*oldest);
    return true;
  }

  void wait_for_request(Conn& c) {
    c.state = State::waiting;
    c.last_active = Clock::now();
    c.deadline = c.last_active + (c.buffer.empty() ? limits.idle_timeout : limits.head_timeout);
    if (head_end(c.buffer) != std::string::npos) return dispatch(c);
    watch(c, true);
  }

  void on_readable(Conn& c) {
    if (c.socket < 0) return;
    char chunk[4096];
    ssize_t n = ::recv(c.socket, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) return close_now(c);
    if (c.state == State::lingering) {
      c.lingered += static_cast<size_t>(n);
      if (c.lingered > 256 * 1024) close_now(c);
      return;
    }
    if (c.buffer.empty()) c.deadline = Clock::now() + limits.head_timeout;  // a request begins
    c.buffer.append(chunk, static_cast<size_t>(n));
    if (head_end(c.buffer) != std::string::npos) return dispatch(c);
    if (c.buffer.size() > limits.max_head_bytes) {
      refusals.warn("http: refused " + c.peer + ": request head over " + std::to_string(limits.max_head_bytes) +
                    " bytes");
      refuse(c.socket, "431 Request Header Fields Too Large");
      linger(c);
    }
  }

  void dispatch(Conn& c) {
    watch(c, false);
    c.state = State::busy;
    {
      std::lock_guard<std::mutex> lock(ready_mutex);
      ready.push_back(&c);
    }
    ready_cv.notify_one();
  }

  void work() {
    for (;;) {
      Conn* c = nullptr;
      {
        std::unique_lock<std::mutex> lock(ready_mutex);
        ready_cv.wait(lock, [&] { return workers_done || !ready.empty(); });
        if (ready.empty()) return;
        c = ready.front();
        ready.pop_front();
      }
      c->keep = !stopping && serve(*c);
      {
        std::lock_guard<std::mutex> lock(done_mutex);
        done.push_back(c);
      }
      uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(wake, &one, sizeof one);
    }
  }

  void take_back() {
    uint64_t count;
    [[maybe_unused]] auto n = ::read(wake, &count, sizeof count);
    std::vector<Conn*> back;
    {
      std::lock_guard<std::mutex> lock(done_mutex);
      back.swap(done);
    }
    for (auto* c : back) {
      if (c->keep) wait_for_request(*c);
      else linger(*c);
    }
  }

  // Closing a socket with unread input makes the kernel reset it, and the
  // client may lose the response it has not read yet. So: stop writing, read
  // and drop what still comes for a moment, then close.
  void linger(Conn& c) {
    ::shutdown(c.socket, SHUT_WR);
    c.state = State::lingering;
    c.buffer.clear();
    c.lingered = 0;
    c.deadline = Clock::now() + std::chrono::seconds(2);
    watch(c, true);
  }

  void enforce_deadlines() {
    auto now = Clock::now();
    for (auto& c : conns) {
      if (c.socket < 0 || c.state == State::busy || now < c.deadline) continue;
      if (c.state == State::waiting && !c.buffer.empty()) {
        refusals.warn("http: closed " + c.peer + ": request head not complete within " +
                      std::to_string(limits.head_timeout.count()) + " ms");
        refuse(c.socket, "408 Request Timeout");
      }
      close_now(c);
    }
  }

  void close_now(Conn& c) {
    if (c.socket < 0) return;
    ::close(c.socket);  // also leaves epoll
    c.socket = -1;
    c.in_epoll = false;
  }
};

std::unique_ptr<HttpDoor> HttpDoor::start(const HostPort& at, DoorLimits limits, Serve serve, std::string* error) {
  std::unique_ptr<HttpDoor> door(new HttpDoor);
  door->loop_ = std::make_unique<Loop>();
  auto& l = *door->loop_;
  l.limits = limits;
  l.serve = std::move(serve);
  l.listener = open_listener(at, error);
  if (l.listener < 0) return nullptr;
  l.epoll = ::epoll_create1(EPOLL_CLOEXEC);
  l.wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (l.epoll < 0 || l.wake < 0) {
    if (error) *error = std::strerror(errno);
    return nullptr;
  }
  for (int* fd : {&l.listener, &l.wake}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = fd;
    ::epoll_ctl(l.epoll, EPOLL_CTL_ADD, *fd, &ev);
  }
  l.port = local_port(l.listener);
  for (size_t i = 0; i < limits.workers; ++i) l.workers.emplace_back([&l] { l.work(); });
  l.thread = std::thread([&l] { l.run(); });
  return door;
}

uint16_t HttpDoor::port() const { return loop_->port; }

HttpDoor::~HttpDoor() {
  auto& l = *loop_;
  if (l.thread.joinable()) {
    l.stopping = true;
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(l.wake, &one, sizeof one);
    l.thread.join();
  }
  {
    std::lock_guard<std::mutex> lock(l.ready_mutex);
    l.workers_done = true;
    l.ready.clear();  // queued, not started: closed below
  }
  l.ready_cv.notify_all();
  for (auto& w : l.workers) w.join();
  for (auto& c : l.conns) c.state = State::waiting;
  for (auto& c : l.conns) l.close_now(c);
  for (int fd : {l.listener, l.epoll, l.wake})
    if (fd >= 0) ::close(fd);
}

}  // namespace ffleet

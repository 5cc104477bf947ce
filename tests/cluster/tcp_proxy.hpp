// A TCP relay on loopback that a test can cut and heal: a node given the
// relay's port as its etcd endpoint loses etcd while every other node keeps
// it. Cutting closes the listener and every relayed connection at once, so
// the node sees its links drop and new ones refused, as on a cut cable
// seen by a local firewall.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

namespace ffleet::test {

class TcpProxy {
 public:
  TcpProxy(int listen_port, int target_port) : port_(listen_port), target_(target_port) { heal(); }
  ~TcpProxy() { cut(); }

  int port() const { return port_; }

  // Stops relaying: drops every connection and refuses new ones.
  void cut() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // Relays again, on the same port.
  void heal() {
    cut();
    stop_ = false;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in at = loopback(port_);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
    REQUIRE(::listen(fd, 64) == 0);
    thread_ = std::thread([this, fd] { run(fd); });
  }

 private:
  static sockaddr_in loopback(int port) {
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(static_cast<uint16_t>(port));
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return at;
  }

  // One thread: the listener and every pair of sockets in one poll loop,
  // woken every 20 ms to notice a cut.
  void run(int listener) {
    std::vector<std::pair<int, int>> pairs;  // client, etcd
    while (!stop_) {
      std::vector<pollfd> fds = {{listener, POLLIN, 0}};
      for (auto& [a, b] : pairs) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      std::vector<bool> closed(pairs.size(), false);
      for (size_t i = 0; i < pairs.size(); ++i)
        for (int side = 0; side < 2; ++side) {
          auto& p = fds[1 + 2 * i + side];
          if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
          char buf[16384];
          ssize_t n = ::read(p.fd, buf, sizeof buf);
          int to = side == 0 ? pairs[i].second : pairs[i].first;
          if (n <= 0 || ::send(to, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) closed[i] = true;
        }
      for (size_t i = pairs.size(); i-- > 0;)
        if (closed[i]) {
          ::close(pairs[i].first);
          ::close(pairs[i].second);
          pairs.erase(pairs.begin() + static_cast<std::ptrdiff_t>(i));
        }
      if (fds[0].revents & POLLIN) {
        int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in at = loopback(target_);
        if (::connect(server, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) {
          ::close(client);
          ::close(server);
          continue;
        }
        pairs.emplace_back(client, server);
      }
    }
    for (auto& [a, b] : pairs) {
      ::close(a);
      ::close(b);
    }
    ::close(listener);
  }

  int port_, target_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace ffleet::test

// A real, private etcd for a test: free loopback ports, a temporary data
// directory, started on construction and stopped on destruction. stop() and
// start() again on the same data dir and ports simulate an etcd outage; the
// keys and leases survive it, as they would in production.
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "src/etcd/etcd_client.hpp"
#include "wait.hpp"

extern char** environ;

namespace ffleet::test {

// A loopback port nothing listens on right now (the kernel's pick).
inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class EtcdFixture {
 public:
  EtcdFixture() : EtcdFixture(Where{}) {}

  // Where etcd runs: on the host's loopback (the default), or inside a
  // network namespace the test made (`netns`, e.g. tests/cluster/netns_lab.hpp),
  // listening on `host` there, where the namespace is fresh and etcd's usual
  // ports are free. `run_inside` runs a function on a thread inside that
  // namespace, so the fixture can see whether etcd answers.
  struct Where {
    std::string host = "127.0.0.1";
    std::vector<std::string> exec_prefix;  // e.g. {"/usr/sbin/ip", "netns", "exec", NS}
    std::function<void(const std::function<void()>&)> run_inside;
  };

  explicit EtcdFixture(Where where) : where_(std::move(where)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("ffleet-etcd-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    std::filesystem::create_directories(dir_);
    bool own_namespace = !where_.exec_prefix.empty();
    client_port_ = own_namespace ? 2379 : free_loopback_port();
    peer_port_ = own_namespace ? 2380 : free_loopback_port();
    start();
  }

  ~EtcdFixture() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // e.g. "http://127.0.0.1:40123", what --cluster takes.
  std::string endpoints() const { return "http://" + where_.host + ":" + std::to_string(client_port_); }
  std::vector<etcd::Endpoint> endpoint_list() const { return {etcd::Endpoint{where_.host, client_port_}}; }
  bool running() const { return pid_ > 0; }

  // Starts etcd (again, on the same data and ports) and waits until it answers.
  void start() {
    if (pid_ > 0) return;
    std::string client = endpoints();
    std::string peer = "http://" + where_.host + ":" + std::to_string(peer_port_);
    std::vector<std::string> args = where_.exec_prefix;
    args.insert(args.end(), {"etcd",
                                     "--name", "test",
                                     "--data-dir", (dir_ / "data").string(),
                                     "--listen-client-urls", client,
                                     "--advertise-client-urls", client,
                                     "--listen-peer-urls", peer,
                                     "--initial-advertise-peer-urls", peer,
                                     "--initial-cluster", "test=" + peer,
                                     "--log-level", "warn"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string log = (dir_ / "etcd.log").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int rc = posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
    bool up = false;
    auto probe = [&] {
      etcd::Client client(endpoint_list(), std::chrono::milliseconds(500));
      up = eventually([&] { return client.range("ffleet-fixture-probe").ok(); }, std::chrono::seconds(30));
    };
    if (where_.run_inside) where_.run_inside(probe);
    else probe();
    if (!up) FAIL("etcd did not come up; its log:\n" << log_text());
  }

  // Stops etcd (SIGKILL: an outage, not a goodbye) and reaps it.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Freezes etcd (SIGSTOP): it stays up but answers nobody, so its leases
  // run out meanwhile and expire once it is thawed (SIGCONT).
  void freeze() {
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
  }
  void thaw() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
  }

  std::string log_text() const {
    std::ifstream in(dir_ / "etcd.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  Where where_;
  std::filesystem::path dir_;
  int client_port_ = 0, peer_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace ffleet::test

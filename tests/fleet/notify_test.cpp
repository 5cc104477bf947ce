// systemd's Type=notify protocol with a real NOTIFY_SOCKET: the test binds a
// unix datagram socket as systemd would and runs the daemon with
// NOTIFY_SOCKET pointing at it. READY=1 once the fleet is up, RELOADING=1
// then READY=1 around a SIGHUP reload, STOPPING=1 on SIGTERM.
#include "control_helpers.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdlib>

using namespace ffleet::test;

namespace {

class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { ::close(fd_); }

  // Waits for a datagram containing `needle` (a line such as "READY=1");
  // returns the datagram.
  std::string wait_for(const std::string& needle, std::chrono::milliseconds timeout = 60s) {
    std::string found;
    bool ok = eventually([&] {
      char buf[4096];
      ssize_t n;
      while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) {
        std::string message(buf, static_cast<size_t>(n));
        received_.push_back(message);
      }
      for (size_t i = consumed_; i < received_.size(); ++i) {
        if (("\n" + received_[i] + "\n").find("\n" + needle + "\n") != std::string::npos) {
          found = received_[i];
          consumed_ = i + 1;
          return true;
        }
      }
      return false;
    }, timeout);
    if (!ok) FAIL("no notification " << needle);
    return found;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> received_;
  size_t consumed_ = 0;
};

}  // namespace

TEST_CASE("sd_notify: READY=1 when the fleet is up, RELOADING=1 and READY=1 around SIGHUP, STOPPING=1", "[fleet][systemd]") {
  ScratchDir dir("notify");
  NotifySocket sock(dir.file("notify.sock"));
  auto file = dir.write("jobs.yaml", "version: 1\ndefaults:\n  binary: sleep\njobs:\n"
                                     "  - id: a\n    args: [\"300\"]\n  - id: b\n    args: [\"300\"]\n");
  ::setenv("NOTIFY_SOCKET", dir.file("notify.sock").c_str(), 1);  // this test process only
  Daemon d(dir, file, {}, "127.0.0.1:0");
  ::unsetenv("NOTIFY_SOCKET");

  auto ready = sock.wait_for("READY=1");
  CHECK(ready.find("STATUS=running 2 jobs") != std::string::npos);
  // The control endpoint listens by then: READY means usable.
  CHECK(d.log().find("control: listening on") != std::string::npos);

  dir.write("jobs.yaml", "version: 1\ndefaults:\n  binary: sleep\njobs:\n  - id: a\n    args: [\"300\"]\n");
  d.signal(SIGHUP);
  sock.wait_for("RELOADING=1");
  auto reloaded = sock.wait_for("READY=1");
  CHECK(reloaded.find("STATUS=running 1 job") != std::string::npos);  // b is gone: the reload was applied first
  d.wait_event([](const Json& e) { return e["event"] == "fleet" && e["action"] == "reloaded"; });

  d.signal(SIGTERM);
  sock.wait_for("STOPPING=1");
  CHECK(d.wait_exit() == 0);
}

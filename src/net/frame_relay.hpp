// The control port: accepts peers, checks every frame they send with a
// FrameGuard and passes the bytes on to the daemon's CAF middleman through a
// private connection that nothing else can reach (a socket pair).
//
// Why a relay: CAF 0.17 allocates whatever a frame header claims before the
// payload arrives, and cannot be changed. The relay sees each header first
// and drops the connection (with a log line naming the peer) at the first
// oversized, malformed or out-of-order frame, so CAF never reads it.
//
// One thread with epoll for every connection, both directions: the cost is
// one extra copy per hop, no thread per connection. The daemon -> peer
// direction is passed unchecked (it is our own CAF writing).
//
// Limits on an unauthenticated peer:
//   - frames: FrameLimits (handshake 64 KiB, later frames 1 MiB by default);
//   - max_connections open at once; more are closed at accept and logged;
//   - its handshake must be complete within handshake_timeout of accept;
//   - a frame once started must be complete within frame_timeout (a peer
//     trickling a large payload holds CAF's buffer for at most that long).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "src/control/frame_guard.hpp"
#include "src/control/host_port.hpp"

namespace ffleet {

struct RelayLimits {
  FrameLimits frames;
  size_t max_connections = 256;
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds frame_timeout{30000};
};

class FrameRelay {
 public:
  // Opens our end of a new connection to the daemon (non-blocking); -1 on
  // failure. Called on the relay's thread for every accepted peer.
  using ConnectDaemon = std::function<int()>;

  // Listens on `at`; null, with the reason in `error`, when it cannot.
  static std::unique_ptr<FrameRelay> start(const HostPort& at, RelayLimits limits, ConnectDaemon connect,
                                           std::string* error);

  // Stops accepting and closes every connection at once.
  ~FrameRelay();

  uint16_t port() const { return port_; }

  struct Loop;  // the event loop's state, on its thread

 private:
  FrameRelay() = default;

  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  int wake_fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace ffleet

// The HTTP server's front door: one epoll thread holds every connection
// while it is idle or still sending its request head, and hands a connection
// to a worker thread only once a complete request head has arrived. Workers
// then run the request (cpp-httplib parses and routes it, see
// app/http_server.cpp) and give the connection back.
//
// Why: cpp-httplib 0.11 gives each connection a pool thread for its whole
// life, so 16 slow or idle clients (slowloris, keep-alive, abandoned
// tabs) held every thread and /healthz timed out. Here idle and slow
// connections cost a buffer and a descriptor, never a thread, and:
//   - a request head must be complete within head_timeout of its first byte
//     and fit in max_head_bytes, else 408/431 and the connection closes;
//   - a connection idle for idle_timeout between requests is closed;
//   - at max_connections the longest-idle connection makes room for a new
//     one, so a flood of idle connections never locks out /healthz;
//   - a response write that makes no progress for write_timeout fails;
//   - stopping shuts every connection down at once, busy ones included.
// The door only finds where a head ends (the blank line); it parses nothing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "src/control/host_port.hpp"

namespace ffleet {

struct DoorLimits {
  size_t max_connections = 512;
  size_t max_head_bytes = 16 * 1024;
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds write_timeout{10000};
  size_t workers = 16;
};

// A connection while a worker serves one request on it. The request head is
// already buffered; reads continue from the socket (for a body) with the
// head timeout, writes wait at most the write timeout for progress.
class DoorConnection {
 public:
  virtual ~DoorConnection() = default;
  virtual ssize_t read(char* out, size_t size) = 0;
  virtual ssize_t write(const char* data, size_t size) = 0;
  virtual bool readable() const = 0;
  virtual bool writable() const = 0;
  virtual int fd() const = 0;
  const std::string& peer_ip() const { return peer_ip_; }
  int peer_port() const { return peer_port_; }
  const std::string& local_ip() const { return local_ip_; }
  int local_port() const { return local_port_; }

 protected:
  std::string peer_ip_, local_ip_;
  int peer_port_ = 0, local_port_ = 0;
};

class HttpDoor {
 public:
  // Serves the one request whose head is buffered; false ends the connection.
  using Serve = std::function<bool(DoorConnection& connection)>;

  // Listens on `at` and starts the workers; null, with the reason in
  // `error`, when it cannot.
  static std::unique_ptr<HttpDoor> start(const HostPort& at, DoorLimits limits, Serve serve, std::string* error);

  // Closes every connection at once (a worker writing to a slow client fails
  // immediately), then waits for the workers.
  ~HttpDoor();

  uint16_t port() const;

  struct Loop;

 private:
  HttpDoor() = default;
  std::unique_ptr<Loop> loop_;
};

}  // namespace ffleet

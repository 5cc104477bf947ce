// The HTTP front end: JSON API, server-sent events, Prometheus metrics and
// the dashboard page. Connections are held by a front door (src/net/
// http_door.hpp: deadlines, connection cap, no thread per idle connection);
// cpp-httplib parses and routes each request on one of the door's workers.
// Those threads are not actors: every request asks the control actor through
// a scoped_actor with a timeout (see ask_control).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "src/control/host_port.hpp"

namespace httplib {
class Server;
}

namespace ffleet {

class EventStreams;
class HttpDoor;

struct HttpArgs {
  HostPort address;
  control_actor control;
  events_actor events;
  std::string token;  // "" = open; else every /api and /metrics request needs "Authorization: Bearer <token>"
};

class HttpServer {
 public:
  // Binds (port 0: any free port) and serves on a thread of its own; null,
  // with the reason in `error`, when the address cannot be bound.
  static std::unique_ptr<HttpServer> start(caf::actor_system& sys, HttpArgs args, std::string* error);

  // Ends the event streams and closes every connection at once, a slow
  // client's included; returns when the running requests have returned.
  ~HttpServer();

  uint16_t port() const { return port_; }

 private:
  HttpServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<EventStreams> streams_;
  std::unique_ptr<HttpDoor> door_;
  uint16_t port_ = 0;
};

}  // namespace ffleet

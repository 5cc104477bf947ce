// Listening TCP sockets and the addresses of their peers, for the servers
// that run their own accept loop (the control relay, the HTTP front door).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "src/control/host_port.hpp"

namespace ffleet {

// A non-blocking, close-on-exec socket listening on `at` (port 0: any free
// port), with SO_REUSEADDR so a restart binds next to TIME_WAIT sockets.
// -1 with the reason in `error` when it cannot.
int open_listener(const HostPort& at, std::string* error);

// The port a socket is bound to (0 if unknown).
uint16_t local_port(int fd);

// Accepts one connection, non-blocking, close-on-exec, without Nagle's
// delay; -1 when none is waiting (or on error). `peer` receives "ADDR:PORT" for the log.
int accept_connection(int listener, std::string* peer);

// "127.0.0.1:5000" / "[::1]:5000".
std::string address_text(const sockaddr* address);

}  // namespace ffleet

// "HOST:PORT" as the command line writes endpoints (--control, --http,
// --connect), and whether a host is this machine's loopback.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ffleet {

struct HostPort {
  std::string host;  // without brackets: "127.0.0.1", "::1", "0.0.0.0"
  uint16_t port = 0;

  std::string to_string() const;  // brackets an IPv6 host again
};

// Parses "host:port" or "[v6-host]:port"; port 0 is allowed (the system picks
// one). On failure returns nullopt and says why in `error`.
std::optional<HostPort> parse_host_port(std::string_view text, std::string* error);

// True only for names that can never leave the machine: 127.0.0.0/8, ::1 and
// "localhost". Anything else (0.0.0.0, "", a host name, a LAN address) is
// treated as reachable from the network.
bool is_loopback(std::string_view host);

}  // namespace ffleet

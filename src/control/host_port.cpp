#include "src/control/host_port.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace ffleet {

std::string HostPort::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<HostPort> parse_host_port(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<HostPort> {
    if (error) *error = "\"" + std::string(text) + "\": " + why;
    return std::nullopt;
  };
  HostPort result;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail("expected [HOST]:PORT");
    result.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("expected HOST:PORT");
    result.host = std::string(text.substr(0, colon));
    if (result.host.find(':') != std::string::npos) return fail("write an IPv6 host in brackets: [HOST]:PORT");
    port_text = text.substr(colon + 1);
  }
  if (result.host.empty()) return fail("the host is missing");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || value > 65535)
    return fail("the port must be a number from 0 to 65535");
  result.port = static_cast<uint16_t>(value);
  return result;
}

bool is_loopback(std::string_view host) {
  if (host == "localhost") return true;
  std::string h(host);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace ffleet

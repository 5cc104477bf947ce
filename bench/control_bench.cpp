// Round trips on the control port: one CAF connection to a running daemon,
// then N `ping` commands one after the other (each goes through the control
// relay, the control actor and the supervisor and back).
//
//   control_bench --connect HOST:PORT [--requests N] [--token T]
//
// Prints the median, p99 and maximum round trip. Run it against two daemons
// to compare (e.g. before and after a change to the control path).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/messages.hpp"
#include "app/control_plane.hpp"
#include "src/control/host_port.hpp"

int main(int argc, char** argv) {
  std::string address, token;
  int requests = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--connect")) address = argv[i + 1];
    else if (!std::strcmp(argv[i], "--requests")) requests = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--token")) token = argv[i + 1];
  }
  std::string error;
  auto daemon = ffleet::parse_host_port(address, &error);
  if (!daemon) {
    std::fprintf(stderr, "usage: control_bench --connect HOST:PORT [--requests N] [--token T]\n");
    return 2;
  }
  caf::actor_system_config cfg;
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  ffleet::configure_control_plane(cfg, ffleet::ControlRole::ctl);
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  ffleet::control_actor remote;
  self->request(sys.middleman().actor_handle(), std::chrono::seconds(10), caf::connect_atom::value, daemon->host,
                daemon->port)
      .receive([&](caf::node_id&, caf::strong_actor_ptr& ptr,
                   std::set<std::string>&) { remote = caf::actor_cast<ffleet::control_actor>(std::move(ptr)); },
               [&](caf::error& e) { std::fprintf(stderr, "connect: %s\n", caf::to_string(e).c_str()); });
  if (!remote) return 1;
  std::vector<double> micros;
  for (int i = 0; i < requests; ++i) {
    auto start = std::chrono::steady_clock::now();
    bool ok = false;
    self->request(remote, std::chrono::seconds(10), ffleet::ControlRequest{token, {"ping"}})
        .receive([&](ffleet::ControlReply& r) { ok = r.kind == "ok"; }, [&](caf::error&) {});
    if (!ok) {
      std::fprintf(stderr, "ping %d failed\n", i);
      return 1;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(micros.begin(), micros.end());
  std::printf("%d pings over one connection to %s: median %.0f us, p99 %.0f us, max %.0f us\n", requests,
              address.c_str(), micros[micros.size() / 2], micros[micros.size() * 99 / 100], micros.back());
  return 0;
}

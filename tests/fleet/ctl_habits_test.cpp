// The command-line habits operators expect of ctl: several ids or --all for
// start/stop/restart/kill, the daemon's address from FFLEET_CONNECT.
#include "control_helpers.hpp"

using namespace ffleet::test;

namespace {
// The fake fleet on a control port of its own, cam-1 and cam-2 running.
struct FakeFleet {
  ScratchDir dir;
  Daemon d;
  uint16_t port;
  explicit FakeFleet(const std::string& name)
      : dir(name), d(dir, dir.write("jobs.yaml", fake_fleet()), {}, "127.0.0.1:0"), port(listening_port(d, "control")) {
    d.wait_event(running("cam-1"));
    d.wait_event(running("cam-2"));
  }
};
}  // namespace

TEST_CASE("ctl stop/start/restart/kill take several ids or --all", "[fleet][ctl]") {
  FakeFleet f("ctl-bulk");
  auto& [dir, d, port] = f;

  auto stop = ctl(dir, port, {"stop", "cam-1", "cam-2"});
  CHECK(stop.code == 0);
  CHECK(stop.out == "cam-1: stopped\ncam-2: stopped\n");
  auto status = Json::parse(ctl(dir, port, {"status", "--json"}).out);
  for (auto& job : status) CHECK(job["order"] == "stop");

  auto start = ctl(dir, port, {"start", "--all"});
  CHECK(start.code == 0);
  CHECK(start.out == "cam-1: started\ncam-2: started\nidle: started\n");
  d.wait_event(running("idle"));

  // One unknown id: the others are done, the error is on stderr, exit 1.
  auto mixed = ctl(dir, port, {"restart", "cam-1", "nope"});
  CHECK(mixed.code == 1);
  CHECK(mixed.out == "cam-1: restarting\n");
  CHECK(mixed.err.find("nope") != std::string::npos);

  // Neither ids nor --all, or both: a usage error.
  CHECK(ctl(dir, port, {"kill"}).code == 2);
  CHECK(ctl(dir, port, {"kill", "cam-1", "--all"}).code == 2);
}

TEST_CASE("ctl reads the daemon's address from FFLEET_CONNECT, --connect wins", "[fleet][ctl]") {
  FakeFleet f("ctl-env");
  auto& [dir, d, port] = f;
  std::string address = "127.0.0.1:" + std::to_string(port);
  auto viaenv = run_program(dir, {FFLEET_BINARY, "ctl", "status", "cam-1", "--json"}, {"FFLEET_CONNECT=" + address});
  CHECK(viaenv.code == 0);
  CHECK(Json::parse(viaenv.out)["id"] == "cam-1");
  auto flag = run_program(dir, {FFLEET_BINARY, "ctl", "--connect", address, "status", "cam-1"}, {"FFLEET_CONNECT=127.0.0.1:1"});
  CHECK(flag.code == 0);
}

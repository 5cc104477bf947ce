// The event stream as a real EventSource client sees it
// (tests/ui/sse_resume.mjs with the npm `eventsource` package, under node):
// typed events with ids, and a reconnect through a cut connection that
// resumes from Last-Event-ID without losing or repeating an event.
#include "control_helpers.hpp"
#include "tools.hpp"

using namespace ffleet::test;

TEST_CASE("sse: an EventSource client listens by type and resumes after a cut connection with Last-Event-ID",
          "[fleet][http][sse]") {
  auto packages = node_packages();
  if (packages.empty()) return;
  ScratchDir dir("sse");
  Daemon daemon(dir, dir.write("jobs.yaml", fake_fleet()), {"--http", "127.0.0.1:0"});
  uint16_t port = listening_port(daemon, "http");
  daemon.wait_event(running("cam-2"));
  auto r = run_program(dir,
                       {"/usr/bin/env", "node", source_root + "/tests/ui/sse_resume.mjs",
                        "http://127.0.0.1:" + std::to_string(port) + "/", "cam-2", packages},
                       {}, 120s);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  auto result = Json::parse(r.out);
  CHECK(result["ok"] == true);
  CHECK(result["connections"] == 2);
  CHECK(result["resumed_after"].is_string());
}

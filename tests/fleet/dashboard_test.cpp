// The dashboard in a real browser: headless Chromium loads GET / from a
// running daemon. The first test only dumps the DOM (the jobs must be listed
// by the page's own JavaScript); the second drives the page through the
// DevTools protocol with tests/ui/dashboard_cdp.mjs (Node, no npm packages):
// filters, the live event stream, a click on "stop", the log panel.
//
// Chromium comes from Debian (`bash scripts/install-deps.sh chromium`, tried
// once here when it is missing); without it, or without node, the tests say
// so with a warning and pass, because the main build must not depend on a
// browser.
#include "control_helpers.hpp"
#include "tools.hpp"

#include <httplib.h>

using namespace ffleet::test;

namespace {

bool chromium_available() { return tool_available("chromium", "chromium"); }

struct UiFleet {
  ScratchDir dir;
  Daemon daemon;
  uint16_t port;

  UiFleet(const std::string& name, std::vector<std::string> extra = {})
      : dir(name),
        daemon(dir, dir.write("jobs.yaml", fake_fleet()), with_http(std::move(extra))),
        port(listening_port(daemon, "http")) {
    daemon.wait_event(running("cam-1"));
    daemon.wait_event(running("cam-2"));
  }

  static std::vector<std::string> with_http(std::vector<std::string> extra) {
    extra.insert(extra.end(), {"--http", "127.0.0.1:0"});
    return extra;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }

  Json job(const std::string& id, const std::string& token = "") {
    httplib::Client c("127.0.0.1", port);
    httplib::Headers h;
    if (!token.empty()) h = {{"Authorization", "Bearer " + token}};
    auto r = c.Get(("/api/v1/jobs/" + id).c_str(), h);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return Json::parse(r->body);
  }
};

}  // namespace

TEST_CASE("dashboard: headless chromium --dump-dom lists every job", "[fleet][ui]") {
  if (!chromium_available()) return;
  UiFleet f("ui-dump");
  ScratchDir profile("ui-profile");
  // The virtual time budget lets the page's fetches finish before the dump.
  auto r = run_program(f.dir,
                       {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--no-first-run", "--user-data-dir=" + profile.path.string(), "--virtual-time-budget=10000",
                        "--dump-dom", f.url()},
                       {}, 120s);
  INFO(r.err);
  REQUIRE(r.code == 0);
  for (auto id : {"cam-1", "cam-2", "idle"}) CHECK(r.out.find("data-job=\"" + std::string(id) + "\"") != std::string::npos);
  CHECK(r.out.find("data-state=\"running\"") != std::string::npos);
  CHECK(r.out.find("data-ready=\"1\"") != std::string::npos);
}

TEST_CASE("dashboard: filters, live events, a click on stop, the log panel (DevTools protocol)", "[fleet][ui]") {
  if (!chromium_available()) return;
  if (!have("node")) {
    WARN("SKIPPED: node is not installed");
    return;
  }
  UiFleet f("ui-click");
  auto r = run_program(f.dir,
                       {"/usr/bin/env", "node", "--experimental-websocket", source_root + "/tests/ui/dashboard_cdp.mjs",
                        f.url(), "cam-1,cam-2,idle", "cam-2"},
                       {}, 120s);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  auto result = Json::parse(r.out);
  CHECK(result["ok"] == true);
  auto cam2 = f.job("cam-2");
  CHECK(cam2["order"] == "stop");  // the click reached the fleet
  CHECK(cam2["pid"].is_null());
  CHECK(f.job("cam-1")["order"] == "start");
}

TEST_CASE("dashboard: with a token the page asks for it and sends it as a bearer header", "[fleet][ui][token]") {
  if (!chromium_available()) return;
  if (!have("node")) {
    WARN("SKIPPED: node is not installed");
    return;
  }
  ScratchDir secrets("ui-token-file");
  UiFleet f("ui-token", {"--token-file", secrets.write("token", "page-token\n")});
  auto r = run_program(f.dir,
                       {"/usr/bin/env", "node", "--experimental-websocket", source_root + "/tests/ui/dashboard_cdp.mjs",
                        f.url(), "cam-1,cam-2,idle", "cam-1", "", "page-token"},
                       {}, 120s);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(f.job("cam-1", "page-token")["order"] == "stop");
}

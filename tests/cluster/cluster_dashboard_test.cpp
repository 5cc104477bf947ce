// The dashboard of any node shows the cluster: the node column of every job
// and the strip of nodes (headless Chromium, as tests/fleet/dashboard_test.cpp).
#include <catch2/catch.hpp>

#include "cluster_harness.hpp"
#include "fleet/tools.hpp"

using namespace ffleet::test;

TEST_CASE("cluster: the dashboard shows where each job runs and the nodes", "[cluster][ui]") {
  if (!tool_available("chromium", "chromium")) return;
  TestCluster c("dashboard");
  auto file = c.job_file("jobs.yaml", 6);
  uint16_t port = c.start_three_with_http_on_n1();
  REQUIRE(c.ctl("n1", {"apply", file}).code == 0);
  auto placed = c.wait_running("n1", 6, {"n1", "n2", "n3"});

  ScratchDir profile("ui-profile");
  auto r = run_program(c.dir(),
                       {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--no-first-run", "--user-data-dir=" + profile.path.string(), "--virtual-time-budget=10000",
                        "--dump-dom", "http://127.0.0.1:" + std::to_string(port) + "/"},
                       {}, 120s);
  INFO(r.err);
  REQUIRE(r.code == 0);
  INFO(r.out);
  CHECK(r.out.find("<body class=\"cluster\"") != std::string::npos);
  for (auto& [job, node] : placed) {
    auto row = r.out.find("data-job=\"" + job + "\"");
    REQUIRE(row != std::string::npos);
    auto cell = r.out.find("class=\"nodecol\"", row);
    REQUIRE(cell != std::string::npos);
    auto text = r.out.find('>', cell);
    REQUIRE(text != std::string::npos);
    CHECK(r.out.compare(text + 1, node.size() + 1, node + "<") == 0);
  }
  for (std::string n : {"n1", "n2", "n3"}) CHECK(r.out.find("data-node=\"" + n + "\"") != std::string::npos);
  CHECK(r.out.find("(leader)") != std::string::npos);
}

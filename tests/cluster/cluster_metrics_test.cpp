// The whole-cluster /metrics from any node of three real daemons: every
// job's series with the node that runs it, the node families, one valid
// exposition (promtool, when it can be had).
#include <catch2/catch.hpp>

#include <regex>

#include <httplib.h>

#include "cluster_harness.hpp"
#include "fleet/tools.hpp"

using namespace ffleet::test;

TEST_CASE("cluster: /metrics of any node shows every job with its node label, and the node table",
          "[cluster][metrics]") {
  TestCluster c("metrics");
  auto file = c.job_file("jobs.yaml", 6);
  std::map<std::string, uint16_t> http;
  for (std::string n : {"n1", "n2", "n3"}) http[n] = listening_port(c.start(n, "", {"--http", "127.0.0.1:0"}), "http");
  auto scrape = [&](const std::string& via) {
    httplib::Client client("127.0.0.1", http.at(via));
    client.set_read_timeout(30, 0);
    auto r = client.Get("/metrics");
    return r && r->status == 200 ? r->body : std::string();
  };
  REQUIRE(eventually([&] { return c.ctl("n1", {"nodes", "--json"}).json().size() == 3; }));
  REQUIRE(c.ctl("n1", {"apply", file}).code == 0);
  auto placed = c.wait_running("n1", 6, {"n1", "n2", "n3"});

  for (std::string via : {"n1", "n2", "n3"}) {
    CtlResult r;
    r.out = scrape(via);
    INFO("metrics from " << via << ":\n" << r.out);
    REQUIRE(!r.out.empty());
    for (auto& [job, node] : placed)
      CHECK(r.out.find("ffleet_job_state{node=\"" + node + "\",id=\"" + job + "\",state=\"running\"} 1") !=
            std::string::npos);
    int leaders = 0;
    for (std::string n : {"n1", "n2", "n3"}) {
      CHECK(r.out.find("ffleet_node_up{node=\"" + n + "\"} 1") != std::string::npos);
      CHECK(r.out.find("ffleet_node_jobs{node=\"" + n + "\"} 2") != std::string::npos);
      if (r.out.find("ffleet_node_leader{node=\"" + n + "\"} 1") != std::string::npos) ++leaders;
      std::smatch m;
      std::string renewals = r.out;
      REQUIRE(std::regex_search(renewals, m, std::regex("ffleet_node_lease_renewals_total\\{node=\"" + n + "\"\\} ([0-9]+)")));
      CHECK(std::stoll(m[1]) >= 1);
      CHECK(r.out.find("ffleet_node_fencings_total{node=\"" + n + "\"} 0") != std::string::npos);
    }
    CHECK(leaders == 1);
    // One header per family, however many nodes sent it.
    size_t first = r.out.find("# TYPE ffleet_job_state gauge");
    CHECK(first != std::string::npos);
    CHECK(r.out.find("# TYPE ffleet_job_state gauge", first + 1) == std::string::npos);
  }

  if (!tool_available("promtool", "prometheus")) return;
  auto scraped = c.dir().write("scrape.txt", scrape("n2"));
  auto check = run_program(c.dir(), {"/bin/sh", "-c", "promtool check metrics < " + scraped}, {}, 60s);
  INFO(check.out << check.err);
  CHECK(check.code == 0);
}

// The HTTP event stream of any node carries the job events of the whole
// cluster; a node's --events file only its own jobs' (and the cluster
// events every node writes). Three real daemons, a real etcd.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <sstream>
#include <thread>

#include <httplib.h>

#include "cluster_harness.hpp"

using namespace ffleet::test;

TEST_CASE("cluster: the event stream of one node shows the job events of every node", "[cluster][events]") {
  TestCluster c("events");
  auto file = c.job_file("jobs.yaml", 6);
  uint16_t port = c.start_three_with_http_on_n1();

  // Subscribed before the jobs exist: every "running" must come live.
  std::mutex mutex;
  std::string received;
  std::atomic<bool> opened{false};
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(120, 0);
  std::thread reader([&] {
    http.Get("/api/v1/events", [&](const char* data, size_t n) {
      std::lock_guard<std::mutex> lock(mutex);
      received.append(data, n);
      opened = true;
      return true;
    });
  });
  struct Join {
    httplib::Client& http;
    std::thread& t;
    ~Join() {
      http.stop();
      t.join();
    }
  } join{http, reader};
  REQUIRE(eventually([&] { return opened.load(); }));
  // The first fetch of each peer only learns where its events stand; let
  // one pass before the jobs start.
  REQUIRE(eventually([&] { return c.node("n1").log().find("registered") != std::string::npos; }));

  REQUIRE(c.ctl("n1", {"apply", file}).code == 0);
  auto placed = c.wait_running("n1", 6, {"n1", "n2", "n3"});

  auto running_seen = [&] {
    std::set<std::string> jobs;
    std::lock_guard<std::mutex> lock(mutex);
    std::istringstream in(received);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("data: ", 0) != 0) continue;
      auto e = Json::parse(line.substr(6), nullptr, false);
      if (e.is_object() && e.value("event", "") == "state" && e.value("to", "") == "running")
        jobs.insert(e.value("job", ""));
    }
    return jobs;
  };
  std::set<std::string> all;
  for (auto& [job, node] : placed) all.insert(job);
  bool every = eventually([&] { return running_seen() == all; }, 60s);
  INFO("received on n1's stream:\n" << received);
  CHECK(every);
  for (auto& [job, node] : placed) INFO(job << " on " << node);

  // n1's file: its own jobs only.
  for (auto& e : c.node("n1").events()) {
    if (!e.contains("job") || e.value("event", "") == "placed") continue;
    INFO(e.dump());
    CHECK(placed.at(e["job"].get<std::string>()) == "n1");
  }
}

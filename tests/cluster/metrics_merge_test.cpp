// The whole-cluster /metrics text (src/cluster/metrics_merge.hpp).
#include <catch2/catch.hpp>

#include "src/cluster/metrics_merge.hpp"

using ffleet::cluster::merge_node_metrics;

TEST_CASE("cluster metrics: every sample gets its node's label, each family stays together under one header",
          "[cluster][metrics]") {
  std::string n1 =
      "# HELP ffleet_jobs Jobs.\n# TYPE ffleet_jobs gauge\nffleet_jobs 2\n"
      "# HELP ffleet_job_state State.\n# TYPE ffleet_job_state gauge\n"
      "ffleet_job_state{id=\"a\",state=\"running\"} 1\n";
  std::string n2 =
      "# HELP ffleet_jobs Jobs.\n# TYPE ffleet_jobs gauge\nffleet_jobs 1\n"
      "# HELP ffleet_job_state State.\n# TYPE ffleet_job_state gauge\n"
      "ffleet_job_state{id=\"b\",state=\"running\"} 1\n"
      "# HELP only_here A family only n2 has.\n# TYPE only_here counter\nonly_here{} 5\n";
  auto text = merge_node_metrics({{"n1", n1}, {"n2", n2}});
  CHECK(text ==
        "# HELP ffleet_jobs Jobs.\n# TYPE ffleet_jobs gauge\n"
        "ffleet_jobs{node=\"n1\"} 2\nffleet_jobs{node=\"n2\"} 1\n"
        "# HELP ffleet_job_state State.\n# TYPE ffleet_job_state gauge\n"
        "ffleet_job_state{node=\"n1\",id=\"a\",state=\"running\"} 1\n"
        "ffleet_job_state{node=\"n2\",id=\"b\",state=\"running\"} 1\n"
        "# HELP only_here A family only n2 has.\n# TYPE only_here counter\nonly_here{node=\"n2\"} 5\n");
}

TEST_CASE("cluster metrics: the parts of a histogram stay in its family, a node name is escaped", "[cluster][metrics]") {
  std::string h =
      "# HELP lat Latency.\n# TYPE lat histogram\n"
      "lat_bucket{le=\"1\"} 1\nlat_bucket{le=\"+Inf\"} 2\nlat_sum 3\nlat_count 2\n";
  auto text = merge_node_metrics({{"a\"b", h}, {"c", h}});
  CHECK(text.find("# TYPE lat histogram\n") == text.rfind("# TYPE lat histogram\n"));  // once
  CHECK(text.find("lat_count{node=\"a\\\"b\"} 2\n") != std::string::npos);
  // Every part of both nodes sits after the one header, before anything else.
  CHECK(text.rfind("lat_count{node=\"c\"} 2\n") + std::string("lat_count{node=\"c\"} 2\n").size() == text.size());
}

TEST_CASE("cluster metrics: the node table as gauges", "[cluster][metrics]") {
  auto nodes = nlohmann::json::parse(R"([
    {"name":"n1","state":"ready","leader":true,"jobs":3,"capacity":null},
    {"name":"n2","state":"down","leader":false,"jobs":0,"capacity":10}])");
  auto text = ffleet::cluster::format_node_table_metrics(nodes);
  CHECK(text.find("ffleet_node_up{node=\"n1\"} 1\n") != std::string::npos);
  CHECK(text.find("ffleet_node_up{node=\"n2\"} 0\n") != std::string::npos);
  CHECK(text.find("ffleet_node_jobs{node=\"n1\"} 3\n") != std::string::npos);
  CHECK(text.find("ffleet_node_leader{node=\"n1\"} 1\n") != std::string::npos);
  CHECK(text.find("ffleet_node_capacity{node=\"n2\"} 10\n") != std::string::npos);
  CHECK(text.find("ffleet_node_capacity{node=\"n1\"}") == std::string::npos);
}

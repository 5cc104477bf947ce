// Three `ffleet run --cluster` daemons on loopback with a real etcd: the
// guarantees of docs/cluster.md, checked from outside as an operator (ctl)
// and from the children's own records.
#include <catch2/catch.hpp>

#include "cluster_harness.hpp"
#include "tcp_proxy.hpp"

using namespace ffleet::test;

TEST_CASE("cluster: 9 jobs spread 3/3/3 over 3 nodes, each on exactly one node, the same view from every node",
          "[cluster][spread]") {
  TestCluster c("spread");
  auto file = c.job_file("jobs.yaml", 9);
  for (auto& n : all3) c.start(n, file);
  auto placed = c.wait_running("n1", 9, all3);
  auto counts = c.per_node(placed);
  CHECK(counts["n1"] == 3);
  CHECK(counts["n2"] == 3);
  CHECK(counts["n3"] == 3);
  // Any node answers for the whole cluster, with the same placement.
  CHECK(c.running("n2") == placed);
  CHECK(c.running("n3") == placed);
  auto nodes = c.ctl("n3", {"nodes", "--json"}).json();
  REQUIRE(nodes.is_array());
  REQUIRE(nodes.size() == 3);
  int leaders = 0;
  for (auto& n : nodes) {
    CHECK(n["state"] == "ready");
    CHECK(n["jobs"] == 3);
    leaders += n["leader"].get<bool>() ? 1 : 0;
  }
  CHECK(leaders == 1);
  // Exactly one run of each job so far.
  auto runs = c.runs();
  CHECK(runs.size() == 9);
  c.check_no_overlap();
}

TEST_CASE("cluster: a SIGKILLed node's jobs run again on the others, never twice at once", "[cluster][failover]") {
  TestCluster c("failover");
  start_three(c, c.job_file("jobs.yaml", 9));
  auto before = c.per_node(c.wait_running("n1", 9, all3));
  // Not the leader: that is the next test.
  auto leader = c.ctl("n1", {"nodes", "--json"}).json();
  std::string victim = "n3";
  for (auto& n : leader)
    if (n["leader"] == true && n["name"] == "n3") victim = "n2";
  REQUIRE(before[victim] > 0);
  auto killed_at = std::chrono::steady_clock::now();
  c.kill(victim);
  std::set<std::string> rest = all3;
  rest.erase(victim);
  auto placed = c.wait_running(*rest.begin(), 9, rest);
  WARN("failover after SIGKILL of a node (lease_ttl 2s): the last moved job started "
       << c.restart_latency(killed_at) << " s after the kill (seen by ctl after " << seconds_since(killed_at) << " s)");
  auto counts = c.per_node(placed);
  CHECK(counts[*rest.begin()] + counts[*rest.rbegin()] == 9);
  auto gap = c.check_no_overlap();
  WARN("smallest gap between two runs of one job: " << gap << " ms");
  auto status = c.ctl(*rest.begin(), {"nodes", "--json"}).json();
  for (auto& n : status)
    if (n["name"] == victim) CHECK(n["state"] == "down");
}

TEST_CASE("cluster: a SIGKILLed leader is replaced and its jobs move, never twice at once", "[cluster][failover]") {
  TestCluster c("leaderkill");
  start_three(c, c.job_file("jobs.yaml", 6));
  auto before = c.per_node(c.wait_running("n1", 6, all3));
  std::string leader;
  for (auto& n : c.ctl("n1", {"nodes", "--json"}).json())
    if (n["leader"] == true) leader = n["name"];
  REQUIRE_FALSE(leader.empty());
  REQUIRE(before[leader] > 0);
  auto killed_at = std::chrono::steady_clock::now();
  c.kill(leader);
  std::set<std::string> rest = all3;
  rest.erase(leader);
  c.wait_running(*rest.begin(), 6, rest);
  WARN("failover after SIGKILL of the leader (lease_ttl 2s): the last moved job started "
       << c.restart_latency(killed_at) << " s after the kill");
  bool new_leader = eventually([&] {
    for (auto& n : c.ctl(*rest.begin(), {"nodes", "--json"}).json())
      if (n["leader"] == true && rest.count(n["name"])) return true;
    return false;
  });
  CHECK(new_leader);
  c.check_no_overlap();
}

TEST_CASE("cluster: drain moves a node's jobs off cleanly, uncordon moves nothing back", "[cluster][drain]") {
  TestCluster c("drain");
  start_three(c, c.job_file("jobs.yaml", 6));
  c.wait_running("n1", 6, all3);
  auto drained_at = std::chrono::steady_clock::now();
  auto r = c.ctl("n2", {"drain", "n3"});
  CHECK(r.code == 0);
  auto placed = c.wait_running("n1", 6, {"n1", "n2"});
  WARN("drain: jobs of n3 running elsewhere after " << seconds_since(drained_at) << " s (stop_timeout 2s)");
  CHECK(c.per_node(placed)["n1"] == 3);
  CHECK(c.per_node(placed)["n2"] == 3);
  bool draining = false;
  for (auto& n : c.ctl("n1", {"nodes", "--json"}).json())
    if (n["name"] == "n3") draining = n["state"] == "draining" && n["jobs"] == 0;
  CHECK(draining);
  auto moved = c.node("n1").wait_event([](const Json& e) { return e["event"] == "placed" && e["reason"] == "drain"; });
  CHECK(moved["from"] == "n3");
  CHECK(c.ctl("n1", {"uncordon", "n3"}).code == 0);
  c.node("n1").wait_event([](const Json& e) { return e["event"] == "node" && e["node"] == "n3" && e["action"] == "ready"; });
  CHECK(c.running("n1") == placed);  // nothing moves back
  CHECK(c.ctl("n1", {"drain", "nobody"}).code == 1);
  c.check_no_overlap();
}

TEST_CASE("cluster: apply changes only what changed, an invalid file changes nothing and exits 2", "[cluster][apply]") {
  TestCluster c("apply");
  start_three(c, c.job_file("jobs.yaml", 4));
  auto before = c.wait_running("n1", 4, all3);
  auto pids_before = c.status("n1");
  // job-0 unchanged, job-1 changed, job-2 and job-3 removed, job-4 added.
  auto next = c.job_file("next.yaml", 1,
                         "  - {id: job-1, stop_timeout: 1s}\n  - id: job-4\n");
  auto r = c.ctl("n3", {"apply", next});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("added: job-4") != std::string::npos);
  CHECK(r.out.find("removed: job-2 job-3") != std::string::npos);
  CHECK(r.out.find("changed: job-1") != std::string::npos);
  auto after = c.wait_running("n1", 3, all3);
  CHECK(after["job-0"] == before["job-0"]);
  auto pid_of = [](const Json& all, const std::string& id) {
    for (auto& s : all)
      if (s["id"] == id) return s["pid"];
    return Json();
  };
  CHECK(pid_of(c.status("n1"), "job-0") == pid_of(pids_before, "job-0"));
  auto bad = c.dir().write("bad.yaml", "version: 1\njobs:\n  - {id: x, args: [], reconnect_delay: soon}\n");
  auto refused = c.ctl("n1", {"apply", bad});
  CHECK(refused.code == 2);
  CHECK(refused.out.find("bad.yaml:3:") != std::string::npos);
  CHECK(c.running("n1").size() == 3);
  c.check_no_overlap();
}

TEST_CASE("cluster: an apply of 600 jobs is placed 200/200/200 with no node fencing itself", "[cluster][apply][scale]") {
  // A node's agent renews its lease and feeds its guard between steps; one
  // etcd round trip per claim (and a plan per watch batch) once kept it busy
  // past its fence deadline at 100 jobs a node, and every node fenced. The
  // children are plain sleeps: the recorder's heartbeats of 600 children
  // would load a small machine more than the daemons do.
  TestCluster c("apply-many", "3s");
  std::string yaml = "version: 1\ndefaults:\n  binary: sleep\n  args: [\"100000\"]\n  stop_timeout: 1s\njobs:\n";
  for (int i = 0; i < 600; ++i) yaml += "  - id: job-" + std::to_string(i) + "\n";
  start_three(c, c.dir().write("jobs.yaml", yaml));
  auto placed = c.wait_running("n1", 600, all3, 180s);
  auto counts = c.per_node(placed);
  CHECK(counts["n1"] == 200);
  CHECK(counts["n2"] == 200);
  CHECK(counts["n3"] == 200);
  auto logs = c.logs();
  INFO(logs);
  CHECK(logs.find("fencing") == std::string::npos);
  for (auto& n : all3)
    for (auto& e : c.node(n).events()) {
      INFO(n << " " << e.dump());
      CHECK_FALSE((e["event"] == "node" && e["action"] == "fenced"));
    }
}

TEST_CASE("cluster: labels and a named node place jobs, what no node can take is pending with the reason",
          "[cluster][labels]") {
  TestCluster c("labels");
  c.start("n1", "", {"--label", "gpu=nvenc"});
  c.start("n2", "");
  REQUIRE(eventually([&] { return c.ctl("n1", {"nodes", "--json"}).json().size() == 2; }));
  auto file = c.job_file("jobs.yaml", 0,
                         "  - {id: enc, node_labels: {gpu: nvenc}}\n"
                         "  - {id: pinned, node: n2}\n"
                         "  - {id: vaapi, node_labels: {gpu: vaapi}}\n");
  REQUIRE(c.ctl("n2", {"apply", file}).code == 0);
  auto placed = c.wait_running("n2", 2, {"n1", "n2"});
  CHECK(placed["enc"] == "n1");
  CHECK(placed["pinned"] == "n2");
  auto pending = c.ctl("n1", {"status", "vaapi", "--json"}).json();
  CHECK(pending["node"].is_null());
  CHECK(pending["placement"] == "no node has label gpu=vaapi");
  CHECK(pending["state"] == "finished");
  CHECK(pending["pid"].is_null());
  // A node with the label joins: the pending job goes there, nothing else moves.
  c.start("n3", "", {"--label", "gpu=vaapi"});
  placed = c.wait_running("n1", 3, all3);
  CHECK(placed["vaapi"] == "n3");
  CHECK(placed["enc"] == "n1");
}

TEST_CASE("cluster: a node leaving cleanly hands its jobs over, exits 0, and takes new work when it returns",
          "[cluster][leave]") {
  TestCluster c("leave");
  auto file = c.job_file("jobs.yaml", 6);
  start_three(c, file);
  c.wait_running("n1", 6, all3);
  c.node("n3").signal(SIGTERM);
  CHECK(c.node("n3").wait_exit() == 0);
  auto placed = c.wait_running("n1", 6, {"n1", "n2"});
  bool left = eventually([&] {
    for (auto& n : c.ctl("n1", {"nodes", "--json"}).json())
      if (n["name"] == "n3") return n["state"] == "down";
    return false;
  });
  CHECK(left);
  c.node("n1").wait_event([](const Json& e) { return e["event"] == "node" && e["node"] == "n3" && e["action"] == "left"; });
  // It comes back: nothing moves to it (stable), but it is ready for new work.
  c.start("n3", "");
  REQUIRE(eventually([&] {
    for (auto& n : c.ctl("n1", {"nodes", "--json"}).json())
      if (n["name"] == "n3") return n["state"] == "ready";
    return false;
  }));
  CHECK(c.running("n1") == placed);
  REQUIRE(c.ctl("n1", {"apply", c.job_file("more.yaml", 7)}).code == 0);
  auto more = c.wait_running("n1", 7, all3);
  CHECK(more["job-6"] == "n3");
  c.check_no_overlap();
}

TEST_CASE("cluster: a frozen node (SIGSTOP) loses its jobs to the others, and its guard kills its children first",
          "[cluster][frozen]") {
  TestCluster c("frozen");
  start_three(c, c.job_file("jobs.yaml", 6));
  auto before = c.per_node(c.wait_running("n1", 6, all3));
  std::string victim = "n3";
  for (auto& n : c.ctl("n1", {"nodes", "--json"}).json())
    if (n["leader"] == true && n["name"] == "n3") victim = "n2";
  std::set<std::string> rest = all3;
  rest.erase(victim);
  REQUIRE(before[victim] > 0);
  auto frozen_at = std::chrono::steady_clock::now();
  c.node(victim).signal(SIGSTOP);
  c.wait_running(*rest.begin(), 6, rest);
  WARN("failover from a frozen node (lease_ttl 2s): the last moved job started " << c.restart_latency(frozen_at)
                                                                                << " s after the SIGSTOP");
  auto gap = c.check_no_overlap();
  WARN("smallest gap between two runs of one job: " << gap << " ms");
  // Thawed, it learns it lost its lease, comes back empty and takes nothing back.
  auto placed = c.running(*rest.begin());
  c.node(victim).signal(SIGCONT);
  c.node(victim).wait_event([](const Json& e) { return e["event"] == "node" && e["action"] == "fenced"; });
  REQUIRE(eventually([&] {
    for (auto& n : c.ctl(*rest.begin(), {"nodes", "--json"}).json())
      if (n["name"] == victim) return n["state"] == "ready";
    return false;
  }));
  CHECK(c.running(*rest.begin()) == placed);
  c.check_no_overlap();
}

namespace {

// Waits until every node of `nodes` says in its log that it runs on failsafe.
void wait_failsafe(TestCluster& c, const std::set<std::string>& nodes, size_t times = 1) {
  for (auto& n : nodes) {
    bool on = eventually([&] {
      size_t seen = 0;
      std::string log = c.node(n).log();
      for (size_t at = log.find("running on failsafe"); at != std::string::npos;
           at = log.find("running on failsafe", at + 1))
        ++seen;
      return seen >= times;
    });
    if (!on) FAIL(n << " never ran on failsafe; logs:\n" << c.logs());
  }
}

// The leader as `via` sees it; "" while there is none or `via` does not answer.
std::string leader_of(TestCluster& c, const std::string& via) {
  auto rows = c.ctl(via, {"nodes", "--json"}).json();
  if (rows.is_array())
    for (auto& n : rows)
      if (n.value("leader", false)) return n.value("name", "");
  return "";
}

bool log_says(TestCluster& c, const std::string& node, const std::string& what) {
  bool said = eventually([&] { return c.node(node).log().find(what) != std::string::npos; });
  if (!said) FAIL(node << " never logged \"" << what << "\"; logs:\n" << c.logs());
  return said;
}

// Every job of `before` (a status array) still runs with the same pid on the
// same node, per `after`.
void check_same_runs(const Json& before, const Json& after) {
  for (auto& b : before) {
    bool found = false;
    for (auto& a : after)
      if (a["id"] == b["id"]) {
        INFO(a["id"]);
        found = true;
        CHECK(a["pid"] == b["pid"]);
        CHECK(a["node"] == b["node"]);
      }
    CHECK(found);
  }
}

void check_never_fenced(TestCluster& c) {
  for (auto& n : all3)
    for (auto& e : c.node(n).events()) {
      INFO(n << " " << e.dump());
      CHECK_FALSE((e["event"] == "node" && e["action"] == "fenced"));
    }
}

// The children's own records: each of the first `jobs` jobs ran exactly
// once (one pid, never restarted), and its run was still alive at `alive_at`.
void check_one_unbroken_run(TestCluster& c, int jobs, std::chrono::steady_clock::time_point alive_at) {
  long long alive_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(alive_at.time_since_epoch()).count();
  std::map<std::string, std::vector<Run>> by_job;
  for (auto& r : c.runs()) by_job[r.job].push_back(r);
  for (int i = 0; i < jobs; ++i) {
    std::string job = "job-" + std::to_string(i);
    INFO(job);
    REQUIRE(by_job[job].size() == 1);
    CHECK(by_job[job][0].last_ns > alive_ns);
  }
}

}  // namespace

TEST_CASE("cluster: etcd down or frozen for 3x lease_ttl while the nodes reach each other stops no job, and the "
          "nodes re-register and keep their jobs",
          "[cluster][outage][failsafe]") {
  TestCluster c("failsafe", "2s");
  start_three(c, c.job_file("jobs.yaml", 6));
  c.wait_running("n1", 6, all3);
  // A deliberate outage: 6 s = 3 x lease_ttl, far beyond the 1.5 s after
  // which a node without etcd and without failsafe fences. Returns when etcd
  // is back; checks that every node ran on failsafe, that no job stopped or
  // moved, and that a new job (`jobs` in all) is placed once etcd is back.
  const auto outage = 6s;
  auto ride_out = [&](const char* how, void (EtcdFixture::*down)(), void (EtcdFixture::*up)(), size_t round, int jobs,
                      const std::function<void()>& after_up) {
    auto before = c.status("n1");
    (c.etcd().*down)();
    auto down_at = std::chrono::steady_clock::now();
    wait_failsafe(c, all3, round);
    std::this_thread::sleep_for(outage - (std::chrono::steady_clock::now() - down_at));
    WARN("etcd " << how << " for " << seconds_since(down_at) << " s");
    (c.etcd().*up)();
    auto back_at = std::chrono::steady_clock::now();
    after_up();
    REQUIRE(c.ctl("n2", {"apply", c.job_file("jobs.yaml", jobs)}).code == 0);
    c.wait_running("n1", jobs, all3);
    WARN("after etcd came back, a new job was placed and ran within " << seconds_since(back_at) << " s");
    check_same_runs(before, c.status("n1"));
    check_one_unbroken_run(c, jobs - 1, back_at);
    check_never_fenced(c);
  };

  // 1. etcd killed and restarted on its data dir: the leases survive it.
  ride_out("down (killed)", &EtcdFixture::stop, &EtcdFixture::start, 1, 7, [] {});

  // 2. etcd frozen: it stays up, unreachable, and expires every lease once
  // thawed. The nodes register again with new leases and claim their jobs again.
  ride_out("frozen", &EtcdFixture::freeze, &EtcdFixture::thaw, 2, 8, [&] {
    for (auto& n : all3) log_says(c, n, "registered again");
  });
  c.check_no_overlap();
}

TEST_CASE("cluster: etcd down and a node frozen: no node can be vouched for, every node fences, nothing runs twice",
          "[cluster][outage][failsafe]") {
  TestCluster c("failsafe-frozen", "2s");
  start_three(c, c.job_file("jobs.yaml", 6));
  c.wait_running("n1", 6, all3);
  std::string victim = leader_of(c, "n1") == "n3" ? "n2" : "n3";
  std::set<std::string> rest = all3;
  rest.erase(victim);
  c.etcd().stop();
  wait_failsafe(c, all3);
  c.node(victim).signal(SIGSTOP);
  // The leader cannot hear the victim: no round vouches for anyone, so every
  // node fences at its deadline (the victim through its guard).
  for (auto& n : rest)
    c.node(n).wait_event([](const Json& e) { return e["event"] == "node" && e["action"] == "fenced"; });
  c.etcd().start();
  // The others keep their leases (etcd kept them) and run their jobs again;
  // the victim's lease runs out and its jobs move to them.
  c.wait_running(*rest.begin(), 6, rest);
  c.node(victim).signal(SIGCONT);
  c.node(victim).wait_event([](const Json& e) { return e["event"] == "node" && e["action"] == "fenced"; });
  auto gap = c.check_no_overlap();
  WARN("smallest gap between two runs of one job: " << gap << " ms");
}

TEST_CASE("cluster: a node cut off from etcd alone keeps its jobs, its lease renewed through the leader",
          "[cluster][outage][failsafe]") {
  TestCluster c("failsafe-relay", "2s");
  // n3 reaches etcd only through this relay; n1 and n2 directly, so one of
  // them leads.
  TcpProxy relay(free_loopback_port(), c.etcd().endpoint_list()[0].port);
  c.start("n1", "");
  c.start("n2", "");
  REQUIRE(eventually([&] { return !leader_of(c, "n1").empty(); }));
  c.start("n3", "", {}, "http://127.0.0.1:" + std::to_string(relay.port()));
  REQUIRE(eventually([&] { return c.ctl("n1", {"nodes", "--json"}).json().size() == 3; }));
  REQUIRE(c.ctl("n1", {"apply", c.job_file("jobs.yaml", 6)}).code == 0);
  c.wait_running("n1", 6, all3);
  auto before = c.status("n1");
  relay.cut();
  auto cut_at = std::chrono::steady_clock::now();
  log_says(c, "n3", "renewed through leader");
  // A deliberate cut of 6 s = 3 x lease_ttl: without the relay n3 would
  // fence after 1.5 s and its lease expire after 2 s.
  std::this_thread::sleep_for(6s - (std::chrono::steady_clock::now() - cut_at));
  check_same_runs(before, c.status("n1"));
  relay.heal();
  auto healed_at = std::chrono::steady_clock::now();
  log_says(c, "n3", "failsafe ends");
  REQUIRE(c.ctl("n3", {"apply", c.job_file("jobs.yaml", 7)}).code == 0);
  c.wait_running("n1", 7, all3);
  check_same_runs(before, c.status("n1"));
  check_one_unbroken_run(c, 6, healed_at);
  check_never_fenced(c);
  c.check_no_overlap();
}

TEST_CASE("cluster: a node that joins while the others run on failsafe does not lead and moves none of their jobs",
          "[cluster][outage][failsafe]") {
  TestCluster c("failsafe-newcomer", "2s");
  // n1-n3 reach etcd only through this relay; the newcomer n4 directly. Cut
  // the relay: the three run on failsafe and their leases expire in etcd,
  // while n4 sees an etcd with no live node and no leader.
  TcpProxy relay(free_loopback_port(), c.etcd().endpoint_list()[0].port);
  std::string through_relay = "http://127.0.0.1:" + std::to_string(relay.port());
  for (auto& n : all3) c.start(n, "", {}, through_relay);
  REQUIRE(eventually([&] { return c.ctl("n1", {"nodes", "--json"}).json().size() == 3; }));
  REQUIRE(c.ctl("n1", {"apply", c.job_file("jobs.yaml", 6)}).code == 0);
  c.wait_running("n1", 6, all3);
  auto before = c.status("n1");
  relay.cut();
  auto cut_at = std::chrono::steady_clock::now();
  wait_failsafe(c, all3);
  c.start("n4", "");
  log_says(c, "n4", "not campaigning");
  // Deliberately 3 x lease_ttl past the cut: long after the three leases
  // expired in etcd, when n4 would have been elected and placed their jobs.
  std::this_thread::sleep_for(6s - (std::chrono::steady_clock::now() - cut_at));
  check_same_runs(before, c.status("n1"));
  relay.heal();
  auto healed_at = std::chrono::steady_clock::now();
  // Back: the three keep their jobs, the leader makes n4 an elector, and n4
  // takes its share of new work.
  REQUIRE(eventually([&] { return c.ctl("n4", {"nodes", "--json"}).json().size() == 4; }));
  REQUIRE(c.ctl("n4", {"apply", c.job_file("jobs.yaml", 7)}).code == 0);
  auto placed = c.wait_running("n1", 7, {"n1", "n2", "n3", "n4"});
  CHECK(placed["job-6"] == "n4");
  check_same_runs(before, c.status("n1"));
  check_one_unbroken_run(c, 6, healed_at);
  check_never_fenced(c);
  c.check_no_overlap();
}

// A node cut off from etcd and from the other nodes (its network "cable"
// pulled, tests/cluster/netns_lab.hpp), then reconnected: the cut node fences
// (kills its jobs, a `fenced` event) before its lease expires, its jobs run
// again on the others, never two runs of one job at once (the children's own
// records), and when the link comes back it rejoins empty: nothing moves back,
// nothing runs twice, and it takes new work.
//
// Needs root, iproute2 and nftables (CI has them); elsewhere it warns
// "SKIPPED: why" and passes, like the other tests that need something from
// the machine.
#include <catch2/catch.hpp>

#include "cluster_harness.hpp"

using namespace ffleet::test;

namespace {

bool is_node_event(const Json& e, const std::string& action) { return e["event"] == "node" && e["action"] == action; }

std::string leader_of(TestCluster& c, const std::string& via) {
  for (auto& n : c.ctl(via, {"nodes", "--json"}).json())
    if (n["leader"] == true) return n["name"];
  return "";
}

std::string state_of(TestCluster& c, const std::string& via, const std::string& node) {
  for (auto& n : c.ctl(via, {"nodes", "--json"}).json())
    if (n["name"] == node) return n["state"];
  return "";
}

// job -> "node pid" of every running job, as `via` reports it.
std::map<std::string, std::string> node_and_pid(TestCluster& c, const std::string& via) {
  std::map<std::string, std::string> out;
  auto all = c.status(via);
  if (!all.is_array()) return out;
  for (auto& s : all)
    if (s.value("state", "") == "running" && s["pid"].is_number() && s["node"].is_string())
      out[s["id"].get<std::string>()] = s["node"].get<std::string>() + " " + std::to_string(s["pid"].get<int>());
  return out;
}

void cut_off_and_heal(const std::string& name, bool cut_the_leader) {
  auto why = NetnsLab::unavailable();
  if (!why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  NetnsLab lab(std::vector<std::string>(all3.begin(), all3.end()));
  REQUIRE(lab.error() == "");
  TestCluster c(name, "2s", &lab);
  start_three(c, c.job_file("jobs.yaml", 6));
  auto before = c.per_node(c.wait_running("n1", 6, all3));
  std::string leader = leader_of(c, "n1");
  REQUIRE_FALSE(leader.empty());
  std::string victim = cut_the_leader ? leader : (leader == "n3" ? "n2" : "n3");
  std::set<std::string> rest = all3;
  rest.erase(victim);
  const std::string via = *rest.begin();
  REQUIRE(before[victim] > 0);

  // The cut. The cut node notices on its own: its events file is local.
  auto cut_at = std::chrono::steady_clock::now();
  lab.cut(victim);
  auto fenced = c.node(victim).wait_event([](const Json& e) { return is_node_event(e, "fenced"); });
  CHECK(fenced["node"] == victim);
  auto moved = c.wait_running(via, 6, rest);
  WARN("a node cut off (" << (cut_the_leader ? "the leader" : "not the leader")
                          << ", lease_ttl 2s): its jobs all ran again elsewhere " << c.restart_latency(cut_at)
                          << " s after the cut, by the children's records (seen by ctl after " << seconds_since(cut_at)
                          << " s)");
  auto gap = c.check_no_overlap();
  WARN("smallest gap between two runs of one job: " << gap << " ms");
  std::smatch fence_line;
  std::string victim_log = c.node(victim).log();
  if (std::regex_search(victim_log, fence_line, std::regex(R"(fencing, every job is killed: ([^\n]*))")))
    WARN("the cut node's agent fenced: " << fence_line[1] << " (lease 2000 ms; its guard fires at 1750 ms)");
  CHECK(eventually([&] { return state_of(c, via, victim) == "down"; }));
  auto is_victim = [&](const std::string& action) {
    return [&victim, action](const Json& e) { return is_node_event(e, action) && e["node"] == victim; };
  };
  c.node(via).wait_event(is_victim("lost"));
  auto moved_event = c.node(via).wait_event([](const Json& e) { return e["event"] == "placed" && e["reason"] == "failover"; });
  CHECK(moved_event["from"] == victim);
  if (cut_the_leader) CHECK(eventually([&] { return rest.count(leader_of(c, via)) == 1; }));
  CHECK(c.node(victim).running());  // cut off, not dead

  // The heal: it rejoins empty, and nothing moves back.
  auto placed = node_and_pid(c, via);
  REQUIRE(placed.size() == 6);
  size_t joined_before = 0;
  for (auto& e : c.node(via).events()) joined_before += is_victim("joined")(e) ? 1 : 0;
  lab.heal(victim);
  bool ready = eventually([&] { return state_of(c, via, victim) == "ready"; }, 60s);
  if (!ready) FAIL("the healed node did not rejoin; logs:\n" << c.logs());
  c.node(via).wait_count(is_victim("joined"), joined_before + 1);
  // The same whole-cluster view from the healed node, once its links are back.
  bool same_view = eventually([&] { return node_and_pid(c, victim) == placed; }, 60s);
  if (!same_view) FAIL("the healed node's view differs; logs:\n" << c.logs());
  CHECK(node_and_pid(c, via) == placed);  // same nodes and same pids: no job moved or restarted
  for (auto& n : rest)
    for (auto& e : c.node(n).events()) CHECK_FALSE(is_node_event(e, "fenced"));

  // It takes new work: a new job goes to the node with the fewest jobs.
  REQUIRE(c.ctl(via, {"apply", c.job_file("more.yaml", 7)}).code == 0);
  auto more = c.wait_running(via, 7, all3);
  CHECK(more["job-6"] == victim);
  for (auto& [job, at] : placed) CHECK(more[job] == at.substr(0, at.find(' ')));
  c.check_no_overlap();
}

}  // namespace

TEST_CASE("cluster: a node cut off from the network fences, its jobs move, and it rejoins without a duplicate",
          "[cluster][partition]") {
  cut_off_and_heal("cut-node", false);
}

TEST_CASE("cluster: the leader cut off from the network fences, a new leader moves its jobs, it rejoins",
          "[cluster][partition]") {
  cut_off_and_heal("cut-leader", true);
}

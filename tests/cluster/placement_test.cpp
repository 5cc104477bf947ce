// The cluster's plain logic: the view built from etcd records, the events
// it derives, placement and the node table. No etcd needed.
#include <catch2/catch.hpp>

#include "src/cluster/node_table.hpp"
#include "src/cluster/placement.hpp"

using namespace ffleet;
using namespace ffleet::cluster;

namespace {

// A view fed the way the watch feeds it.
struct Fixture {
  ClusterView view;
  Keys keys;
  int64_t revision = 1;

  std::vector<nlohmann::json> put(const std::string& key, const std::string& value) {
    etcd::Event e;
    e.kv.key = key;
    e.kv.value = value;
    e.kv.mod_revision = ++revision;
    return view.apply(e);
  }
  std::vector<nlohmann::json> del(const std::string& key) {
    etcd::Event e;
    e.type = etcd::Event::Type::del;
    e.kv.key = key;
    e.kv.mod_revision = ++revision;
    return view.apply(e);
  }
  void node(const std::string& name, std::map<std::string, std::string> labels = {},
            std::optional<uint32_t> capacity = {}) {
    NodeInfo info{name, "127.0.0.1:7400", std::move(labels), capacity, false};
    put(keys.member(name), encode_node(info));
    put(keys.node(name), encode_node(info));
  }
  void fleet(const std::string& jobs_yaml) {
    put(keys.fleet(), encode_fleet(StoredFleet{"jobs.yaml", "version: 1\njobs:\n" + jobs_yaml}));
  }
  void jobs(int n) {
    std::string yaml;
    for (int i = 0; i < n; ++i) yaml += "  - {id: j" + std::to_string(100 + i) + ", args: []}\n";
    fleet(yaml);
  }
  // Writes the plan's moves as the leader would.
  Plan apply_plan(bool place_new = true) {
    Plan plan = plan_placement(view, place_new);
    for (auto& m : plan.moves) {
      if (m.to.node.empty()) del(keys.assign(m.job));
      else put(keys.assign(m.job), encode_assignment(m.to));
    }
    for (auto& job : plan.removed) del(keys.assign(job));
    return plan;
  }
  std::map<std::string, size_t> counts() {
    std::map<std::string, size_t> c;
    for (auto& [name, info] : view.alive()) c[name] = view.jobs_of(name).size();
    return c;
  }
};

}  // namespace

TEST_CASE("keys: every record parses back to its kind and name", "[cluster][keys]") {
  Keys k("/x/");
  CHECK(k.parse(k.node("n1")).kind == Keys::Kind::node);
  CHECK(k.parse(k.node("n1")).name == "n1");
  CHECK(k.parse(k.claim("cam-1")).kind == Keys::Kind::claim);
  CHECK(k.parse(k.claim("cam-1")).name == "cam-1");
  CHECK(k.parse(k.leader()).kind == Keys::Kind::leader);
  CHECK(k.parse(k.electors()).kind == Keys::Kind::electors);
  CHECK(k.parse("/y/leader").kind == Keys::Kind::unknown);
  CHECK(k.parse("/x/nodes/").kind == Keys::Kind::unknown);
  NodeInfo n{"n1", "127.0.0.2:7400", {{"gpu", "nvenc"}}, 4, true};
  CHECK(decode_node(encode_node(n)) == n);
  CHECK_FALSE(decode_node("{"));
  Assignment a{"n2", "n1", "failover"};
  CHECK(decode_assignment(encode_assignment(a)) == a);
}

TEST_CASE("electors: only they may lead while one of them may still run jobs, and left or forgotten ones do not count",
          "[cluster][electors]") {
  Fixture f;
  CHECK(f.view.may_lead("n9"));  // a new cluster: no electors yet, anyone
  f.node("n1");
  f.node("n2");
  CHECK(f.view.wanted_electors() == std::set<std::string>{"n1", "n2"});
  f.put(f.keys.electors(), encode_electors(f.view.wanted_electors()));
  CHECK(f.view.electors() == std::set<std::string>{"n1", "n2"});
  // Both leases expire (they may be running on failsafe): a newcomer may not lead.
  f.del(f.keys.node("n1"));
  f.del(f.keys.node("n2"));
  f.node("n3");
  CHECK(f.view.may_lead("n1"));
  CHECK_FALSE(f.view.may_lead("n3"));
  CHECK(f.view.wanted_electors() == std::set<std::string>{"n1", "n2", "n3"});  // down ones stay until forgotten
  // n1 left cleanly, n2 is forgotten: nothing can run on failsafe any more.
  NodeInfo left{"n1", "127.0.0.1:7400", {}, {}, true};
  f.put(f.keys.member("n1"), encode_node(left));
  CHECK_FALSE(f.view.may_lead("n3"));
  f.del(f.keys.member("n2"));
  CHECK(f.view.may_lead("n3"));
  CHECK(f.view.wanted_electors() == std::set<std::string>{"n3"});
  CHECK(decode_electors("not json").empty());
}

TEST_CASE("placement: 10 jobs over 3 nodes differ by at most one, ties by name", "[cluster][placement]") {
  Fixture f;
  f.node("n3");
  f.node("n1");
  f.node("n2");
  f.jobs(10);
  auto plan = f.apply_plan();
  CHECK(plan.moves.size() == 10);
  CHECK(plan.pending.empty());
  auto c = f.counts();
  CHECK(c["n1"] == 4);
  CHECK(c["n2"] == 3);
  CHECK(c["n3"] == 3);
  CHECK(f.view.node_of("j100") == "n1");
  CHECK(f.view.node_of("j101") == "n2");
  // A second plan changes nothing: stable.
  CHECK(f.apply_plan().moves.empty());
}

TEST_CASE("placement: a new leader waits before placing new jobs, but says why", "[cluster][placement]") {
  Fixture f;
  f.node("n1");
  f.jobs(2);
  auto plan = plan_placement(f.view, false);
  CHECK(plan.moves.empty());
  CHECK(plan.pending.size() == 2);
}

TEST_CASE("placement: a joining node moves nothing, new jobs go to it first", "[cluster][placement]") {
  Fixture f;
  f.node("n1");
  f.node("n2");
  f.jobs(4);
  f.apply_plan();
  auto before = f.view.assignments();
  f.node("n3");
  CHECK(f.apply_plan().moves.empty());
  CHECK(f.view.assignments() == before);
  f.jobs(5);  // one more job
  auto plan = f.apply_plan();
  REQUIRE(plan.moves.size() == 1);
  CHECK(plan.moves[0].to.node == "n3");
  CHECK(plan.moves[0].to.reason == "new");
}

TEST_CASE("placement: the jobs of a lost node fail over to the least loaded others", "[cluster][placement]") {
  Fixture f;
  f.node("n1");
  f.node("n2");
  f.node("n3");
  f.jobs(9);
  f.apply_plan();
  auto events = f.del(f.keys.node("n2"));  // its lease expired
  REQUIRE(events.size() == 1);
  CHECK(events[0]["action"] == "lost");
  auto plan = f.apply_plan();
  CHECK(plan.moves.size() == 3);
  for (auto& m : plan.moves) {
    CHECK(m.to.from == "n2");
    CHECK(m.to.reason == "failover");
    CHECK(m.to.node != "n2");
  }
  auto c = f.counts();
  CHECK(c["n1"] + c["n3"] == 9);
  CHECK((c["n1"] == 5 || c["n1"] == 4));
}

TEST_CASE("placement: a clean leave says left, a drain moves with reason drain, uncordon moves nothing back",
          "[cluster][placement]") {
  Fixture f;
  f.node("n1");
  f.node("n2");
  f.jobs(4);
  f.apply_plan();
  auto events = f.put(f.keys.cordon("n1"), "");
  REQUIRE(events.size() == 1);
  CHECK(events[0]["action"] == "draining");
  auto plan = f.apply_plan();
  CHECK(plan.moves.size() == 2);
  for (auto& m : plan.moves) CHECK(m.to.reason == "drain");
  CHECK(f.counts()["n2"] == 4);
  events = f.del(f.keys.cordon("n1"));
  CHECK(events.at(0)["action"] == "ready");
  CHECK(f.apply_plan().moves.empty());
  NodeInfo left{"n2", "127.0.0.1:7400", {}, {}, true};
  f.put(f.keys.member("n2"), encode_node(left));
  CHECK(f.del(f.keys.node("n2")).at(0)["action"] == "left");
}

TEST_CASE("placement: labels, a named node and capacity, what no node can take is pending with the reason",
          "[cluster][placement]") {
  Fixture f;
  f.node("n1", {{"gpu", "nvenc"}});
  f.node("n2", {}, 1);
  f.fleet("  - {id: enc, args: [], node_labels: {gpu: nvenc}}\n"
          "  - {id: vaapi, args: [], node_labels: {gpu: vaapi}}\n"
          "  - {id: pinned, args: [], node: n2}\n"
          "  - {id: elsewhere, args: [], node: n9}\n"
          "  - {id: also-n2, args: [], node: n2}\n");
  auto plan = f.apply_plan();
  CHECK(f.view.node_of("enc") == "n1");
  CHECK(f.view.node_of("also-n2") == "n2");  // capacity 1: the first of the two, by id
  CHECK(f.view.node_of("pinned").empty());
  CHECK(plan.pending["vaapi"] == "no node has label gpu=vaapi");
  CHECK(plan.pending["elsewhere"] == "node n9 is not up");
  CHECK(plan.pending["pinned"] == "every node it may run on is at capacity");
  // The label comes: the pending job is placed, nothing else moves.
  f.node("n3", {{"gpu", "vaapi"}});
  plan = f.apply_plan();
  REQUIRE(plan.moves.size() == 1);
  CHECK(plan.moves[0].job == "vaapi");
}

TEST_CASE("placement: a job whose constraints change moves with reason changed, a removed job loses its placement",
          "[cluster][placement]") {
  Fixture f;
  f.node("n1");
  f.node("n2", {{"disk", "ssd"}});
  f.fleet("  - {id: a, args: []}\n  - {id: b, args: []}\n");
  f.apply_plan();
  REQUIRE(f.view.node_of("a") == "n1");
  f.fleet("  - {id: a, args: [], node_labels: {disk: ssd}}\n");
  auto plan = f.apply_plan();
  REQUIRE(plan.moves.size() == 1);
  CHECK(plan.moves[0].to.node == "n2");
  CHECK(plan.moves[0].to.reason == "changed");
  CHECK(plan.removed == std::vector<std::string>{"b"});
  CHECK(f.view.assignments().count("b") == 0);
}

TEST_CASE("node table: ready, draining, unreachable, down, with the leader and job counts", "[cluster][nodes]") {
  Fixture f;
  f.node("n1");
  f.node("n2", {{"zone", "a"}}, 5);
  f.node("n3");
  f.node("n4");
  f.jobs(3);
  f.apply_plan();
  f.put(f.keys.leader(), "n1");
  f.put(f.keys.cordon("n2"), "");
  f.del(f.keys.node("n4"));
  auto rows = node_rows(f.view, {"n3"});
  REQUIRE(rows.size() == 4);
  CHECK(rows[0]["name"] == "n1");
  CHECK(rows[0]["leader"] == true);
  CHECK(rows[0]["state"] == "ready");
  CHECK(rows[0]["jobs"] == 1);
  CHECK(rows[1]["state"] == "draining");
  CHECK(rows[1]["capacity"] == 5);
  CHECK(rows[1]["labels"]["zone"] == "a");
  CHECK(rows[2]["state"] == "unreachable");
  CHECK(rows[3]["state"] == "down");
  CHECK(rows[3]["capacity"].is_null());
}

// The etcd client against a real etcd (tests/cluster/etcd_fixture.hpp).
#include <catch2/catch.hpp>

#include <atomic>
#include <deque>
#include <mutex>

#include "etcd_fixture.hpp"
#include "src/etcd/base64.hpp"
#include "src/etcd/etcd_watch.hpp"

using namespace ffleet;
using namespace ffleet::test;
using namespace std::chrono_literals;

TEST_CASE("base64 round-trips every byte and refuses what is not base64", "[etcd]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n : {0, 1, 2, 3, 4, 5, 256}) {
    auto part = all.substr(0, n);
    CHECK(etcd::base64_decode(etcd::base64_encode(part)) == part);
  }
  CHECK(etcd::base64_encode("foo") == "Zm9v");
  CHECK(etcd::base64_encode("fo") == "Zm8=");
  CHECK_FALSE(etcd::base64_decode("Zm9").has_value());
  CHECK_FALSE(etcd::base64_decode("Z=9v").has_value());
  CHECK_FALSE(etcd::base64_decode("Zm9*").has_value());
}

TEST_CASE("etcd endpoints are parsed, bad ones are named", "[etcd]") {
  std::string error;
  auto two = etcd::parse_endpoints("http://127.0.0.1:2379,http://10.0.0.2:2380/", &error);
  REQUIRE(two);
  REQUIRE(two->size() == 2);
  CHECK((*two)[1].host == "10.0.0.2");
  CHECK((*two)[1].port == 2380);
  CHECK_FALSE(etcd::parse_endpoints("127.0.0.1:2379", &error));
  CHECK(error.find("127.0.0.1:2379") != std::string::npos);
  CHECK_FALSE(etcd::parse_endpoints("http://h:99999", &error));
  CHECK_FALSE(etcd::parse_endpoints("", &error));
  CHECK(etcd::prefix_end("/a/") == "/a0");
}

TEST_CASE("etcd client: put, range, prefix range, delete", "[etcd]") {
  EtcdFixture etcd_server;
  etcd::Client c(etcd_server.endpoint_list(), 2s);
  REQUIRE(c.put("/t/a", "1").ok());
  REQUIRE(c.put("/t/b", std::string("bin\0ary", 7)).ok());
  REQUIRE(c.put("/u/c", "3").ok());
  auto one = c.range("/t/a");
  REQUIRE(one);
  REQUIRE(one->kvs.size() == 1);
  CHECK(one->kvs[0].value == "1");
  CHECK(one->kvs[0].version == 1);
  auto prefix = c.range("/t/", etcd::prefix_end("/t/"));
  REQUIRE(prefix);
  REQUIRE(prefix->kvs.size() == 2);
  CHECK(prefix->kvs[1].value == std::string("bin\0ary", 7));
  CHECK(prefix->revision >= 4);
  auto deleted = c.delete_range("/t/", etcd::prefix_end("/t/"));
  REQUIRE(deleted);
  CHECK(*deleted == 2);
  CHECK(c.range("/t/a")->kvs.empty());
  CHECK(c.range("/u/c")->kvs.size() == 1);
}

TEST_CASE("etcd client: a txn is a compare-and-swap, only one of two creators wins", "[etcd]") {
  EtcdFixture etcd_server;
  etcd::Client c(etcd_server.endpoint_list(), 2s);
  auto claim = [&](const std::string& who) {
    etcd::Txn t;
    t.compare.push_back(etcd::Compare::absent("/leader"));
    t.success.push_back(etcd::Op::put("/leader", who));
    t.failure.push_back(etcd::Op::get("/leader"));
    return c.txn(t);
  };
  auto first = claim("n1");
  REQUIRE(first);
  CHECK(first->succeeded);
  auto second = claim("n2");
  REQUIRE(second);
  CHECK_FALSE(second->succeeded);
  REQUIRE(second->kvs.size() == 1);
  CHECK(second->kvs[0].value == "n1");
  // Delete only if the value is still ours.
  etcd::Txn release;
  release.compare.push_back(etcd::Compare::value_is("/leader", "n2"));
  release.success.push_back(etcd::Op::del("/leader"));
  CHECK_FALSE(c.txn(release)->succeeded);
  release.compare[0].value = "n1";
  CHECK(c.txn(release)->succeeded);
  CHECK(c.range("/leader")->kvs.empty());
}

TEST_CASE("etcd client: a lease kept alive keeps its keys, a revoked or expired one drops them", "[etcd]") {
  EtcdFixture etcd_server;
  etcd::Client c(etcd_server.endpoint_list(), 2s);
  auto lease = c.lease_grant(2s);
  REQUIRE(lease);
  CHECK(lease->ttl_s == 2);
  REQUIRE(c.put("/nodes/n1", "x", lease->id));
  CHECK(c.range("/nodes/n1")->kvs.at(0).lease == lease->id);
  // Renewed every 500 ms for 3 s (longer than the TTL): the key stays.
  auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    auto ttl = c.lease_keepalive(lease->id);
    REQUIRE(ttl);
    CHECK(*ttl == 2);
    std::this_thread::sleep_for(500ms);
  }
  CHECK(c.range("/nodes/n1")->kvs.size() == 1);
  // Not renewed: gone after the TTL, and a renewal then says 0.
  CHECK(eventually([&] { return c.range("/nodes/n1")->kvs.empty(); }, 10s));
  CHECK(*c.lease_keepalive(lease->id) == 0);

  auto second = c.lease_grant(5s);
  REQUIRE(second);
  REQUIRE(c.put("/nodes/n2", "y", second->id));
  REQUIRE(c.lease_revoke(second->id));
  CHECK(c.range("/nodes/n2")->kvs.empty());
}

TEST_CASE("etcd client: an unreachable etcd is an error value within the timeout", "[etcd]") {
  etcd::Client c({etcd::Endpoint{"127.0.0.1", free_loopback_port()}}, 500ms);
  auto r = c.range("/x");
  REQUIRE_FALSE(r);
  CHECK(r.error().unreachable);
  CHECK(r.error().message.find("unreachable") != std::string::npos);
}

TEST_CASE("etcd client: a second endpoint takes over when the first is down", "[etcd]") {
  EtcdFixture etcd_server;
  auto endpoints = etcd_server.endpoint_list();
  endpoints.insert(endpoints.begin(), etcd::Endpoint{"127.0.0.1", free_loopback_port()});
  etcd::Client c(endpoints, 1s);
  REQUIRE(c.put("/k", "v"));
  CHECK(c.range("/k")->kvs.at(0).value == "v");
}

namespace {

// What a watch delivered, collected from its thread.
struct Collected {
  std::mutex m;
  std::vector<etcd::Event> events;
  std::vector<bool> links;
  void add(std::vector<etcd::Event> e) {
    std::lock_guard<std::mutex> l(m);
    for (auto& x : e) events.push_back(std::move(x));
  }
  size_t size() {
    std::lock_guard<std::mutex> l(m);
    return events.size();
  }
  std::vector<etcd::Event> copy() {
    std::lock_guard<std::mutex> l(m);
    return events;
  }
  size_t links_up() {
    std::lock_guard<std::mutex> l(m);
    size_t n = 0;
    for (bool up : links) n += up ? 1 : 0;
    return n;
  }
  size_t links_down() {
    std::lock_guard<std::mutex> l(m);
    size_t n = 0;
    for (bool up : links) n += up ? 0 : 1;
    return n;
  }
  size_t reconnects() {
    std::lock_guard<std::mutex> l(m);
    size_t n = 0;
    for (size_t i = 1; i < links.size(); ++i) n += (!links[i - 1] && links[i]) ? 1 : 0;
    return n;
  }
};

etcd::WatchCallbacks collect_into(Collected& out) {
  etcd::WatchCallbacks cb;
  cb.on_events = [&out](std::vector<etcd::Event> e, int64_t) { out.add(std::move(e)); };
  cb.on_link = [&out](bool up, std::string) {
    std::lock_guard<std::mutex> l(out.m);
    out.links.push_back(up);
  };
  return cb;
}

}  // namespace

TEST_CASE("etcd watch: streams puts and deletes of a prefix, from a revision", "[etcd][watch]") {
  EtcdFixture etcd_server;
  etcd::Client c(etcd_server.endpoint_list(), 2s);
  auto start = c.put("/w/before", "0");
  REQUIRE(start);
  REQUIRE(c.put("/other", "not watched"));
  Collected got;
  etcd::Watch watch(etcd_server.endpoint_list(), "/w/", etcd::prefix_end("/w/"), *start, collect_into(got));
  REQUIRE(c.put("/w/a", "1"));
  REQUIRE(c.delete_range("/w/a"));
  REQUIRE(eventually([&] { return got.size() >= 3; }, 10s));
  auto events = got.copy();
  REQUIRE(events.size() == 3);
  CHECK(events[0].kv.key == "/w/before");  // from start_revision on
  CHECK(events[1].type == etcd::Event::Type::put);
  CHECK(events[1].kv.value == "1");
  CHECK(events[2].type == etcd::Event::Type::del);
  CHECK(events[2].kv.key == "/w/a");
}

TEST_CASE("etcd watch: reconnects after an etcd outage and misses nothing", "[etcd][watch]") {
  EtcdFixture etcd_server;
  etcd::Client c(etcd_server.endpoint_list(), 2s);
  Collected got;
  etcd::Watch watch(etcd_server.endpoint_list(), "/w/", etcd::prefix_end("/w/"), 0, collect_into(got));
  REQUIRE(eventually([&] { return got.links_up() >= 1; }, 10s));
  REQUIRE(c.put("/w/1", "a"));
  REQUIRE(eventually([&] { return got.size() >= 1; }, 10s));
  etcd_server.stop();
  CHECK_FALSE(c.put("/w/x", "down").ok());
  etcd_server.start();
  // Written before the watch is back: the watch resumes from its revision.
  REQUIRE(c.put("/w/2", "b"));
  REQUIRE(eventually([&] { return got.size() >= 2; }, 20s));
  auto events = got.copy();
  REQUIRE(events.size() == 2);
  CHECK(events[1].kv.key == "/w/2");
  CHECK(eventually([&] { return got.reconnects() >= 1; }, 10s));
  // Keys and leases survive an outage of etcd (same data dir).
  CHECK(c.range("/w/1")->kvs.size() == 1);
}

TEST_CASE("etcd watch: stopping it while etcd is down returns promptly", "[etcd][watch]") {
  auto port = free_loopback_port();
  Collected got;
  auto started = std::chrono::steady_clock::now();
  {
    etcd::Watch watch({etcd::Endpoint{"127.0.0.1", port}}, "/w/", "", 0, collect_into(got));
    // Stopped while it retries: after its first failed attempt.
    REQUIRE(eventually([&] { return got.links_down() >= 1; }, 30s));
  }
  CHECK(std::chrono::steady_clock::now() - started < 60s);
  CHECK(got.size() == 0);
}

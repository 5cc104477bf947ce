// The event streams' hub: ids, event types, replay after Last-Event-ID, and
// the bounds that keep a slow or absent reader from costing memory.
#include <catch2/catch.hpp>

#include "app/event_hub.hpp"

using namespace ffleet;
using namespace std::chrono_literals;

namespace {

std::string line(int n, const char* type = "state") {
  return std::string("{\"event\":\"") + type + "\",\"n\":" + std::to_string(n) + "}";
}

std::string drain(EventQueue& q) {
  bool closed = false;
  return q.take(0ms, &closed);
}

}  // namespace

TEST_CASE("event hub: every event gets an id, its type and one data line", "[sse]") {
  EventHub hub(10, 4, 100, "77");
  auto q = hub.subscribe("");
  REQUIRE(q);
  hub.publish(line(1));
  hub.publish(line(2, "gave_up"));
  hub.publish("not json");
  CHECK(drain(*q) ==
        "id: 77-1\nevent: state\ndata: {\"event\":\"state\",\"n\":1}\n\n"
        "id: 77-2\nevent: gave_up\ndata: {\"event\":\"gave_up\",\"n\":2}\n\n"
        "id: 77-3\ndata: not json\n\n");
}

TEST_CASE("event hub: a stream with Last-Event-ID gets exactly the events after it, then the live ones", "[sse]") {
  EventHub hub(10, 4, 100, "77");
  for (int n = 1; n <= 5; ++n) hub.publish(line(n));
  auto q = hub.subscribe("77-3");
  REQUIRE(q);
  hub.publish(line(6));
  auto text = drain(*q);
  CHECK(text.find("id: 77-3\n") == std::string::npos);
  CHECK(text.rfind("id: 77-4\n", 0) == 0);
  CHECK(text.find("id: 77-5\n") != std::string::npos);
  CHECK(text.find("id: 77-6\n") != std::string::npos);
  CHECK(text.find(": ") != 0);  // no note: nothing was lost
  CHECK(drain(*hub.subscribe("77-6")) == "");  // up to date
  CHECK(drain(*hub.subscribe("")) == "");      // no id: from now on
}

TEST_CASE("event hub: events no longer kept are announced, then the oldest kept follow", "[sse]") {
  EventHub hub(3, 4, 100, "77");
  for (int n = 1; n <= 10; ++n) hub.publish(line(n));
  auto text = drain(*hub.subscribe("77-2"));
  CHECK(text.rfind(": 5 events after 77-2 are no longer kept", 0) == 0);
  CHECK(text.find("id: 77-7\n") == std::string::npos);
  CHECK(text.find("id: 77-8\n") != std::string::npos);
  CHECK(text.find("id: 77-10\n") != std::string::npos);
}

TEST_CASE("event hub: an id from another daemon run or garbage replays what is kept, with a note", "[sse]") {
  EventHub hub(10, 4, 100, "77");
  hub.publish(line(1));
  hub.publish(line(2));
  for (auto id : {"76-900", "77-900", "bogus", "77-x"}) {
    INFO(id);
    auto text = drain(*hub.subscribe(id));
    CHECK(text.find("is not from this daemon") != std::string::npos);
    CHECK(text.find("id: 77-1\n") != std::string::npos);
    CHECK(text.find("id: 77-2\n") != std::string::npos);
  }
}

TEST_CASE("event hub: bounded streams, bounded queues, close ends everything", "[sse]") {
  EventHub hub(10, 2, 3, "77");
  auto a = hub.subscribe(""), b = hub.subscribe("");
  REQUIRE(a);
  REQUIRE(b);
  CHECK_FALSE(hub.subscribe(""));  // the third is refused
  hub.unsubscribe(b);
  auto c = hub.subscribe("");
  REQUIRE(c);
  for (int n = 1; n <= 5; ++n) hub.publish(line(n));  // a reads nothing meanwhile
  auto text = drain(*a);
  CHECK(text.rfind(": 2 events dropped, the reader was too slow", 0) == 0);
  CHECK(text.find("id: 77-3\n") != std::string::npos);
  hub.close();
  bool closed = false;
  c->take(0ms, &closed);
  CHECK(closed);
  auto late = hub.subscribe("");
  REQUIRE(late);
  late->take(0ms, &closed);
  CHECK(closed);
}

// The job's log ring: bounded, oldest first, timestamps kept.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "src/job/log_ring.hpp"

using namespace ffleet;
using namespace std::chrono_literals;

namespace {
WallTime at(int s) { return WallTime{} + std::chrono::seconds(s); }

std::vector<std::string> texts(const std::vector<LogEntry>& entries) {
  std::vector<std::string> out;
  for (auto& e : entries) out.push_back(e.text);
  return out;
}
}  // namespace

TEST_CASE("log ring: keeps the last capacity lines, oldest first, with their times") {
  LogRing ring(3);
  CHECK(ring.size() == 0);
  CHECK(ring.last() == nullptr);
  for (int i = 1; i <= 5; ++i) ring.push(LogEntry{at(i), "line " + std::to_string(i)});
  CHECK(ring.size() == 3);
  auto all = ring.tail(10);
  CHECK(texts(all) == std::vector<std::string>{"line 3", "line 4", "line 5"});
  CHECK(all[0].ts == at(3));
  CHECK(all[2].ts == at(5));
  REQUIRE(ring.last() != nullptr);
  CHECK(ring.last()->text == "line 5");
}

TEST_CASE("log ring: tail(n) gives the newest n lines, oldest first, also before the ring is full") {
  LogRing ring(5);
  ring.push(LogEntry{at(1), "a"});
  ring.push(LogEntry{at(2), "b"});
  ring.push(LogEntry{at(3), "c"});
  CHECK(texts(ring.tail(2)) == std::vector<std::string>{"b", "c"});
  CHECK(texts(ring.tail(0)).empty());
  CHECK(texts(ring.tail(100)) == std::vector<std::string>{"a", "b", "c"});
  for (int i = 0; i < 7; ++i) ring.push(at(4 + i), "n" + std::to_string(i));
  CHECK(texts(ring.tail(2)) == std::vector<std::string>{"n5", "n6"});
}

TEST_CASE("log ring: a view push stores a copy and reuses the old line's buffer once full") {
  LogRing ring(2);
  std::string source = "temporary";
  ring.push(at(1), source);
  source = "changed";
  CHECK(ring.last()->text == "temporary");
  ring.push(at(2), std::string(100, 'x'));
  ring.push(at(3), "short");  // overwrites "temporary"
  CHECK(texts(ring.tail(2)) == std::vector<std::string>{std::string(100, 'x'), "short"});
}

TEST_CASE("log ring: capacity 0 keeps nothing, clear empties it") {
  LogRing none(0);
  none.push(LogEntry{at(1), "x"});
  none.push(at(1), "y");
  CHECK(none.size() == 0);
  CHECK(none.tail(5).empty());
  CHECK(none.last() == nullptr);

  LogRing ring(2);
  ring.push(LogEntry{at(1), "x"});
  ring.clear();
  CHECK(ring.size() == 0);
  CHECK(ring.last() == nullptr);
  ring.push(LogEntry{at(2), "y"});
  CHECK(texts(ring.tail(5)) == std::vector<std::string>{"y"});
}

TEST_CASE("log ring: entries serialize as ts and text, invalid UTF-8 replaced so dump never throws") {
  LogEntry e{WallTime{} + 1764162000s + 123456us, std::string("bad \xff byte")};
  nlohmann::json j = e;
  CHECK(j["ts"] == "2025-11-26T13:00:00.123456Z");
  CHECK(j["text"] == "bad \xEF\xBF\xBD byte");
  CHECK_NOTHROW(j.dump());
}

TEST_CASE("log ring: numbers every line, so a follower asks for what came after the last it saw") {
  LogRing ring(3);
  CHECK(ring.tail_after(0, 10).empty());
  for (int i = 1; i <= 5; ++i) ring.push(at(i), "line " + std::to_string(i));
  auto all = ring.tail(3);
  REQUIRE(all.size() == 3);
  CHECK(all[0].seq == 3);
  CHECK(all[2].seq == 5);
  CHECK(texts(ring.tail_after(3, 10)) == std::vector<std::string>{"line 4", "line 5"});
  CHECK(ring.tail_after(5, 10).empty());
  // Lines 1 and 2 are gone: a follower at 0 gets what is left and sees the gap in seq.
  CHECK(ring.tail_after(0, 10).front().seq == 3);
  CHECK(texts(ring.tail_after(0, 1)) == std::vector<std::string>{"line 5"});
  nlohmann::json j = ring.tail(1)[0];
  CHECK(j["seq"] == 5);
}

TEST_CASE("log ring: a new capacity keeps the newest lines and the numbering") {
  LogRing ring(4);
  for (int i = 1; i <= 4; ++i) ring.push(LogEntry{at(i), "line " + std::to_string(i)});
  ring.set_capacity(2);
  CHECK(texts(ring.tail(10)) == std::vector<std::string>{"line 3", "line 4"});
  CHECK(ring.tail(10).front().seq == 3);
  ring.push(LogEntry{at(5), "line 5"});
  CHECK(ring.last()->seq == 5);
  ring.set_capacity(10);
  CHECK(texts(ring.tail(10)) == std::vector<std::string>{"line 4", "line 5"});
  CHECK(texts(ring.tail_after(4, 10)) == std::vector<std::string>{"line 5"});
}

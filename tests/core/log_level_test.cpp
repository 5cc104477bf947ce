// The `-loglevel level+info` prefixes, taken apart.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "src/ffmpeg/log_level.hpp"

using namespace ffleet;

TEST_CASE("log levels: [level] prefixes give the level and the text after them") {
  auto s = split_level_prefix("[info] Stream mapping:");
  CHECK(s.level == LogLevel::info);
  CHECK(s.text == "Stream mapping:");
  s = split_level_prefix("[error] /nonexistent.mp4: No such file or directory");
  CHECK(s.level == LogLevel::error);
  CHECK(s.text == "/nonexistent.mp4: No such file or directory");
}

TEST_CASE("log levels: up to two [name @ address] contexts may come before the level") {
  auto s = split_level_prefix("[h264 @ 0x55d0c6a2c840] [warning] non-existing PPS 0 referenced");
  CHECK(s.level == LogLevel::warning);
  CHECK(s.text == "non-existing PPS 0 referenced");
  s = split_level_prefix("[tls @ 0x5581] [https @ 0x5582] [error] Connection refused");
  CHECK(s.level == LogLevel::error);
  CHECK(s.text == "Connection refused");
  s = split_level_prefix("[graph 0 input from stream 0:0 @ 0x5555] [verbose] tb:1/25");
  CHECK(s.level == LogLevel::verbose);
  CHECK(s.text == "tb:1/25");
}

TEST_CASE("log levels: without a known level the line is level none and all text") {
  for (const char* line : {"Stream mapping:", "[h264 @ 0x55d] no level printed", "[foo] not a level",
                           "[Info] wrong case", "[info]no blank", "[info]", "[", "", "[q] pressed",
                           "[a @ b] [c @ d] [e @ f] [info] three contexts are not ffmpeg's"}) {
    INFO(line);
    auto s = split_level_prefix(line);
    CHECK(s.level == LogLevel::none);
    CHECK(s.text == line);
  }
}

TEST_CASE("log levels: every level name ffmpeg prints is known") {
  for (LogLevel l : {LogLevel::quiet, LogLevel::panic, LogLevel::fatal, LogLevel::error, LogLevel::warning,
                     LogLevel::info, LogLevel::verbose, LogLevel::debug, LogLevel::trace}) {
    std::string line = "[" + std::string(to_string(l)) + "] x";
    CHECK(split_level_prefix(line).level == l);
  }
}

TEST_CASE("log levels: the counts serialize with every level, zeros included") {
  LevelCounts c;
  c.add(LogLevel::warning);
  c.add(LogLevel::warning);
  c.add(LogLevel::none);
  nlohmann::json j = c;
  CHECK(j.size() == 10);
  CHECK(j["warning"] == 2);
  CHECK(j["none"] == 1);
  CHECK(j["error"] == 0);
  CHECK(c.total() == 3);
}

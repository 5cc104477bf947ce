// Durations and sizes: every unit, combinations, and every way to get one wrong.
#include <catch2/catch.hpp>

#include <string>

#include "config/values.hpp"

using namespace std::chrono_literals;
using ffleet::Duration;
using ffleet::format_duration;
using ffleet::format_size;
using ffleet::parse_duration;
using ffleet::parse_size;

namespace {
Duration duration_of(const std::string& text) {
  auto parsed = parse_duration(text);
  INFO(text << ": " << parsed.error);
  REQUIRE(parsed.ok());
  CHECK(parsed.error.empty());
  return *parsed.value;
}

std::string duration_error(const std::string& text) {
  auto parsed = parse_duration(text);
  INFO(text);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error;
}

uint64_t size_of(const std::string& text) {
  auto parsed = parse_size(text);
  INFO(text << ": " << parsed.error);
  REQUIRE(parsed.ok());
  return *parsed.value;
}

std::string size_error(const std::string& text) {
  auto parsed = parse_size(text);
  INFO(text);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error;
}
}  // namespace

TEST_CASE("durations: each unit", "[values]") {
  CHECK(duration_of("250ms") == 250ms);
  CHECK(duration_of("5s") == 5s);
  CHECK(duration_of("2m") == 2min);
  CHECK(duration_of("1h") == 1h);
  CHECK(duration_of("0s") == 0ms);
  CHECK(duration_of("0ms") == 0ms);
}

TEST_CASE("durations: a bare number is seconds", "[values]") {
  CHECK(duration_of("5") == 5s);
  CHECK(duration_of("0") == 0ms);
  CHECK(duration_of("0.5") == 500ms);
  CHECK(duration_of("1.25") == 1250ms);
  CHECK(duration_of("007") == 7s);
}

TEST_CASE("durations: combinations from the largest unit to the smallest", "[values]") {
  CHECK(duration_of("1m30s") == 90s);
  CHECK(duration_of("1h2m3s500ms") == 1h + 2min + 3s + 500ms);
  CHECK(duration_of("1h30m") == 90min);
  CHECK(duration_of("2h500ms") == 2h + 500ms);
  CHECK(duration_of("1s0ms") == 1s);
}

TEST_CASE("durations: decimals are exact", "[values]") {
  CHECK(duration_of("1.5s") == 1500ms);
  CHECK(duration_of("0.1s") == 100ms);
  CHECK(duration_of("1.5h") == 90min);
  CHECK(duration_of("0.001s") == 1ms);
  CHECK(duration_of("2.50000000000s") == 2500ms);  // trailing zeros are not precision
  CHECK(duration_of("1.5m30s") == 2min);
}

TEST_CASE("durations: the errors", "[values]") {
  const std::string expected = ": expected a number with a unit such as 250ms, 5s, 2m, 1h";
  CHECK(duration_error("5x") == "bad duration \"5x\"" + expected);
  CHECK(duration_error("") == "bad duration \"\"" + expected);
  CHECK(duration_error("s") == "bad duration \"s\"" + expected);
  CHECK(duration_error("5 s") == "bad duration \"5 s\"" + expected);
  CHECK(duration_error("5S") == "bad duration \"5S\"" + expected);
  CHECK(duration_error("1m30") == "bad duration \"1m30\"" + expected);
  CHECK(duration_error("1.s") == "bad duration \"1.s\"" + expected);
  CHECK(duration_error(".5s") == "bad duration \".5s\"" + expected);
  CHECK(duration_error("+5s") == "bad duration \"+5s\"" + expected);
  CHECK(duration_error("5d") == "bad duration \"5d\"" + expected);
  CHECK(duration_error("1e3") == "bad duration \"1e3\"" + expected);
  CHECK(duration_error("-5s") == "bad duration \"-5s\": must not be negative");
  CHECK(duration_error("-1") == "bad duration \"-1\": must not be negative");
  CHECK(duration_error("30s1m") == "bad duration \"30s1m\": units must go from largest to smallest, each at most once");
  CHECK(duration_error("1s1s") == "bad duration \"1s1s\": units must go from largest to smallest, each at most once");
  CHECK(duration_error("1.5ms") == "bad duration \"1.5ms\": finer than a millisecond");
  CHECK(duration_error("0.0001") == "bad duration \"0.0001\": finer than a millisecond");
  CHECK(duration_error("1.0000000001s") == "bad duration \"1.0000000001s\": finer than a millisecond");
}

TEST_CASE("durations: overflow is an error, up to 100 years is fine", "[values]") {
  CHECK(duration_of("876000h") == ffleet::max_duration);
  const std::string too_large = ": too large (at most 876000h)";
  CHECK(duration_error("876000h1ms") == "bad duration \"876000h1ms\"" + too_large);
  CHECK(duration_error("876001h") == "bad duration \"876001h\"" + too_large);
  CHECK(duration_error("99999999999999999999s") == "bad duration \"99999999999999999999s\"" + too_large);
  CHECK(duration_error("18446744073709551615h") == "bad duration \"18446744073709551615h\"" + too_large);
  CHECK(duration_error("18446744073709551615") == "bad duration \"18446744073709551615\"" + too_large);
  CHECK(duration_error("9223372036854775807ms") == "bad duration \"9223372036854775807ms\"" + too_large);
}

TEST_CASE("durations: format_duration gives the shortest form, which reads back", "[values]") {
  CHECK(format_duration(0ms) == "0s");
  CHECK(format_duration(250ms) == "250ms");
  CHECK(format_duration(90s) == "1m30s");
  CHECK(format_duration(5s) == "5s");
  CHECK(format_duration(1h) == "1h");
  CHECK(format_duration(1h + 2min + 3s + 500ms) == "1h2m3s500ms");
  CHECK(format_duration(49h) == "49h");
  CHECK(format_duration(-1500ms) == "-1s500ms");
  CHECK(format_duration(Duration::min()).front() == '-');
  for (Duration d : {0ms, 1ms, 999ms, 1000ms, 61001ms, 3600000ms, 3723004ms, ffleet::max_duration})
    CHECK(duration_of(format_duration(d)) == d);
}

TEST_CASE("sizes: bytes and every unit", "[values]") {
  CHECK(size_of("0") == 0);
  CHECK(size_of("1048576") == 1048576);
  CHECK(size_of("100B") == 100);
  CHECK(size_of("10KB") == 10000);
  CHECK(size_of("100MB") == 100000000);
  CHECK(size_of("2GB") == 2000000000);
  CHECK(size_of("512KiB") == 512 * 1024);
  CHECK(size_of("512MiB") == 512ull * 1024 * 1024);
  CHECK(size_of("2GiB") == 2ull * 1024 * 1024 * 1024);
}

TEST_CASE("sizes: decimals are exact and must come out whole", "[values]") {
  CHECK(size_of("1.5GB") == 1500000000);
  CHECK(size_of("1.5KiB") == 1536);
  CHECK(size_of("0.5MiB") == 524288);
  CHECK(size_of("2.000B") == 2);
  CHECK(size_error("1.5") == "bad size \"1.5\": not a whole number of bytes");
  CHECK(size_error("1.0001KB") == "bad size \"1.0001KB\": not a whole number of bytes");
  CHECK(size_error("1.0000000001GiB") == "bad size \"1.0000000001GiB\": not a whole number of bytes");
}

TEST_CASE("sizes: the errors", "[values]") {
  const std::string expected =
      ": expected a number of bytes with an optional unit B, KB, MB, GB, KiB, MiB or GiB, such as 512MiB";
  CHECK(size_error("") == "bad size \"\"" + expected);
  CHECK(size_error("512M") == "bad size \"512M\"" + expected);
  CHECK(size_error("512mib") == "bad size \"512mib\"" + expected);
  CHECK(size_error("512 MiB") == "bad size \"512 MiB\"" + expected);
  CHECK(size_error("MiB") == "bad size \"MiB\"" + expected);
  CHECK(size_error("1TB") == "bad size \"1TB\"" + expected);
  CHECK(size_error("-1MiB") == "bad size \"-1MiB\": must not be negative");
  CHECK(size_error("18446744073709551616") == "bad size \"18446744073709551616\": too large");
  CHECK(size_error("17179869184GiB") == "bad size \"17179869184GiB\": too large");
  CHECK(size_of("18446744073709551615") == 18446744073709551615ull);
}

TEST_CASE("sizes: format_size uses the largest unit that divides exactly, and reads back", "[values]") {
  CHECK(format_size(0) == "0");
  CHECK(format_size(512ull << 20) == "512MiB");
  CHECK(format_size(2ull << 30) == "2GiB");
  CHECK(format_size(1500000000) == "1500MB");
  CHECK(format_size(1000000) == "1MB");
  CHECK(format_size(1024000) == "1000KiB");
  CHECK(format_size(1500) == "1500");  // 1.5KB: not whole in any unit
  CHECK(format_size(1536) == "1536");  // 1.5KiB
  CHECK(format_size(3072) == "3KiB");
  for (uint64_t n : {0ull, 1ull, 1000ull, 1024ull, 1500ull, 123456789ull, 18446744073709551615ull})
    CHECK(size_of(format_size(n)) == n);
}

// The value readers of ffmpeg's progress fields, ffmpeg 4.x to 7.x.
#include <catch2/catch.hpp>

#include <charconv>
#include <cstring>
#include <random>
#include <string>

#include "src/ffmpeg/ffmpeg_values.hpp"

using namespace ffleet;
using Catch::Detail::Approx;

TEST_CASE("ffmpeg values: sizes in kB, KiB, MiB, GiB and bare bytes, where kB is 1024 bytes as ffmpeg counts it") {
  CHECK(read_size_bytes("1024kB") == 1048576);
  CHECK(read_size_bytes("443kB") == 453632);
  CHECK(read_size_bytes("512KiB") == 524288);
  CHECK(read_size_bytes("3MiB") == 3145728);
  CHECK(read_size_bytes("1GiB") == 1073741824);
  CHECK(read_size_bytes("0kB") == 0);
  CHECK(read_size_bytes("3572") == 3572);
}

TEST_CASE("ffmpeg values: N/A, empty and garbage values are absent, not 0") {
  CHECK_FALSE(read_size_bytes("N/A"));
  CHECK_FALSE(read_size_bytes(""));
  CHECK_FALSE(read_size_bytes("12parsecs"));
  CHECK_FALSE(read_size_bytes("-5kB"));
  CHECK_FALSE(read_clock_seconds("N/A"));
  CHECK_FALSE(read_bitrate_kbps("N/A"));
  CHECK_FALSE(read_speed("N/A"));
  CHECK_FALSE(read_number("N/A"));
  CHECK_FALSE(read_integer("N/A"));
  CHECK_FALSE(read_integer("12x"));
}

TEST_CASE("ffmpeg values: media times, negative ones too, to the microsecond") {
  CHECK(*read_clock_seconds("00:00:04.92") == Approx(4.92));
  CHECK(*read_clock_seconds("00:03:58.44") == Approx(238.44));
  CHECK(*read_clock_seconds("-00:00:00.04") == Approx(-0.04));
  CHECK(*read_clock_seconds("00:00:01.040000") == Approx(1.04));
  CHECK(*read_clock_seconds("123:00:00.00") == Approx(442800));
  CHECK(*read_clock_seconds("0:00:04.97") == Approx(4.97));  // 7.x elapsed=
  CHECK(*read_clock_seconds("01:02:03") == Approx(3723));
  CHECK_FALSE(read_clock_seconds("00:00"));
  CHECK_FALSE(read_clock_seconds("00:00:-1.0"));
  CHECK_FALSE(read_clock_seconds("00:00:inf"));
  CHECK_FALSE(read_clock_seconds("aa:bb:cc"));
}

TEST_CASE("ffmpeg values: bitrates in kbit/s, speeds with their x, plain numbers") {
  CHECK(*read_bitrate_kbps("1704.2kbits/s") == Approx(1704.2));
  CHECK(*read_bitrate_kbps("4512000.0kbits/s") == Approx(4512000.0));
  CHECK(*read_bitrate_kbps("1500bits/s") == Approx(1.5));
  CHECK(*read_bitrate_kbps("2.5Mbits/s") == Approx(2500));
  CHECK(*read_speed("1.01x") == Approx(1.01));
  CHECK(*read_speed("1x") == Approx(1));
  CHECK(*read_speed("4e+04x") == Approx(40000));  // ffmpeg's %4.3g on a very fast start
  CHECK(*read_number("-1.0") == Approx(-1));
  CHECK(*read_number("0.0") == 0);
  CHECK(*read_number("25") == 25);
  CHECK_FALSE(read_number("inf"));
  CHECK_FALSE(read_number("nan"));
  CHECK(read_integer("123") == 123);
  CHECK(read_integer("-3") == -3);
}

TEST_CASE("ffmpeg values: the fast decimal path gives exactly std::from_chars's double") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    // Up to 15 significant digits, the point anywhere: what ffmpeg prints and more.
    int digits = 1 + static_cast<int>(rng() % 15);
    std::string s = (rng() % 4 == 0) ? "-" : "";
    int point = static_cast<int>(rng() % (digits + 1));
    for (int d = 0; d < digits; ++d) {
      if (d == point && d > 0) s += '.';
      s += static_cast<char>('0' + rng() % 10);
    }
    double expected = 0;
    std::from_chars(s.data(), s.data() + s.size(), expected);
    auto got = read_number(s);
    REQUIRE(got);
    INFO(s);
    REQUIRE(std::memcmp(&*got, &expected, sizeof expected) == 0);
  }
}

TEST_CASE("ffmpeg values: long, huge or odd numbers fall back to std::from_chars and stay correct") {
  CHECK(*read_number("1234567890.1234567") == Approx(1234567890.1234567));
  CHECK(*read_number("1e300") == 1e300);
  CHECK(*read_number("-.5") == -0.5);
  CHECK(*read_number("2.") == 2.0);
  CHECK_FALSE(read_number("."));
  CHECK_FALSE(read_number("-"));
  CHECK_FALSE(read_number("1e999"));  // inf
  CHECK_FALSE(read_integer("1234567890123456789012"));
  CHECK(read_integer("123456789012345678") == 123456789012345678);
}

TEST_CASE("ffmpeg values: sizes and bitrates beyond what the result type holds are unreadable, not overflowed") {
  CHECK_FALSE(read_size_bytes("1e300kB"));
  CHECK_FALSE(read_size_bytes("1e19"));
  CHECK_FALSE(read_size_bytes("9007199254740993GiB"));
  CHECK(read_size_bytes("9e18") == int64_t{9000000000000000000});  // the largest kind still fits
  CHECK_FALSE(read_bitrate_kbps("1e308Mbits/s"));
  CHECK(read_clock_seconds("00:00:1e308") == Approx(1e308));  // a double holds it: read as written
}

// RFC 3339 timestamps: UTC, microseconds, fixed width.
#include <catch2/catch.hpp>

#include <chrono>

#include "src/util/time_format.hpp"

using namespace ffleet;
using namespace std::chrono;

TEST_CASE("time format: RFC 3339 in UTC with exactly six fraction digits") {
  CHECK(rfc3339(WallTime{}) == "1970-01-01T00:00:00.000000Z");
  WallTime t = WallTime{} + seconds(1795698000) + microseconds(123456);
  CHECK(rfc3339(t) == "2026-11-26T13:00:00.123456Z");
  CHECK(rfc3339(WallTime{} + seconds(951782400) + microseconds(7)) == "2000-02-29T00:00:00.000007Z");
}

TEST_CASE("time format: sub-microsecond parts are dropped, also before 1970") {
  auto ns = duration_cast<WallTime::duration>(nanoseconds(1999));
  CHECK(rfc3339(WallTime{} + ns) == "1970-01-01T00:00:00.000001Z");
  CHECK(rfc3339(WallTime{} - microseconds(1)) == "1969-12-31T23:59:59.999999Z");
  CHECK(rfc3339(WallTime{} - seconds(1)) == "1969-12-31T23:59:59.000000Z");
}

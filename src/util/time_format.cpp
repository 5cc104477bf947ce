#include "src/util/time_format.hpp"

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace ffleet {

std::string rfc3339(WallTime t) {
  using namespace std::chrono;
  int64_t us = duration_cast<microseconds>(t.time_since_epoch()).count();
  // duration_cast truncates toward zero; a timestamp before the epoch must
  // still round toward the past, or its seconds would be one too late.
  int64_t secs = us / 1000000;
  int64_t frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        static_cast<int>(frac));
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

}  // namespace ffleet

// The two clocks of ffleet and how wall-clock times are written.
//
// Timers, rates and stale detection run on the steady clock, which never
// jumps. The wall clock is only for timestamps shown to people and scripts,
// and those are always RFC 3339 in UTC with microseconds (events and status,
// docs/control.md), e.g. "2026-11-26T13:00:00.123456Z": fixed width, so they sort as
// strings, and no time zone to guess.
#pragma once

#include <chrono>
#include <string>

namespace ffleet {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". Sub-microsecond parts are dropped (rounded
// toward the past, also before 1970).
std::string rfc3339(WallTime t);

}  // namespace ffleet

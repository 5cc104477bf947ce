// The two value kinds of the job file that are not plain YAML: durations
// ("1m30s", "250ms", "5") and sizes ("512MiB", "1.5GB", "1048576").
//
// The parsers are exact: "1.5s" is 1500ms, "1.5KiB" is 1536 bytes. A value
// that does not come out whole (sub-millisecond, fraction of a byte) is an
// error rather than silently rounded, so what runs is what was written.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ffleet {

using Duration = std::chrono::milliseconds;

// Longest duration accepted: 100 years. Far below where adding it to a
// steady_clock time point (in nanoseconds) would overflow.
inline constexpr Duration max_duration = std::chrono::hours(876000);

// A parsed value, or the message telling why there is none.
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;  // set when !value, e.g. bad duration "5x": expected ...

  bool ok() const { return value.has_value(); }
};

// "250ms", "5s", "2m", "1h", combinations from the largest unit to the
// smallest ("1h2m3s500ms"), each number possibly decimal ("1.5s"); or a bare
// number of seconds ("5", "0.5"). No spaces, no sign.
Parsed<Duration> parse_duration(std::string_view text);

// A number of bytes with an optional unit: B; KB, MB, GB (powers of 1000);
// KiB, MiB, GiB (powers of 1024). "1048576", "512MiB", "1.5GB".
Parsed<uint64_t> parse_size(std::string_view text);

// The shortest form parse_duration reads back: "1m30s", "250ms", "0s".
std::string format_duration(Duration d);

// The largest unit that divides exactly, binary first: "512MiB", "1500KB",
// "1500" (bytes, no unit), "0". parse_size reads it back.
std::string format_size(uint64_t bytes);

}  // namespace ffleet

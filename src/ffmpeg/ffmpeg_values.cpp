#include "src/ffmpeg/ffmpeg_values.hpp"

#include "src/ffmpeg/ffmpeg_scan.hpp"

namespace ffleet {

namespace {
// Reads the string `v` whole with `scan`: nothing may follow the value.
template <class T, class Scan>
std::optional<T> read_whole(std::string_view v, Scan scan) {
  const char* p = v.data();
  const char* end = p + v.size();
  T out;
  if (!scan(p, end, out) || p != end) return std::nullopt;
  return out;
}
}  // namespace

std::optional<double> read_number(std::string_view v) { return read_whole<double>(v, scan::number); }
std::optional<int64_t> read_integer(std::string_view v) { return read_whole<int64_t>(v, scan::integer); }
std::optional<int64_t> read_size_bytes(std::string_view v) { return read_whole<int64_t>(v, scan::size_bytes); }
std::optional<double> read_clock_seconds(std::string_view v) { return read_whole<double>(v, scan::clock_seconds); }
std::optional<double> read_bitrate_kbps(std::string_view v) { return read_whole<double>(v, scan::bitrate_kbps); }
std::optional<double> read_speed(std::string_view v) { return read_whole<double>(v, scan::speed); }

}  // namespace ffleet

#include "src/ffmpeg_values.hpp"

#include <charconv>
#include <cmath>

namespace ffleet {

namespace {

// Reads the number at the start of `v` and leaves the rest (the unit) in it.
std::optional<double> take_number(std::string_view& v) {
  double d = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || !std::isfinite(d)) return std::nullopt;
  v.remove_prefix(static_cast<size_t>(ptr - v.data()));
  return d;
}

// Reads the unsigned decimal integer at the start of `v` (at least one digit).
std::optional<int64_t> take_digits(std::string_view& v) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || n < 0) return std::nullopt;
  v.remove_prefix(static_cast<size_t>(ptr - v.data()));
  return n;
}

}  // namespace

std::optional<double> read_number(std::string_view v) {
  auto d = take_number(v);
  if (!d || !v.empty()) return std::nullopt;
  return d;
}

std::optional<int64_t> read_integer(std::string_view v) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size()) return std::nullopt;
  return n;
}

std::optional<int64_t> read_size_bytes(std::string_view v) {
  auto d = take_number(v);
  if (!d || *d < 0) return std::nullopt;
  double scale = 0;
  if (v.empty() || v == "B") scale = 1;
  else if (v == "kB" || v == "KiB" || v == "KB" || v == "k") scale = 1024.0;
  else if (v == "MiB" || v == "MB" || v == "mB") scale = 1024.0 * 1024;
  else if (v == "GiB" || v == "GB" || v == "gB") scale = 1024.0 * 1024 * 1024;
  else return std::nullopt;
  return static_cast<int64_t>(std::llround(*d * scale));
}

std::optional<double> read_clock_seconds(std::string_view v) {
  bool negative = !v.empty() && v[0] == '-';
  if (negative) v.remove_prefix(1);
  auto hours = take_digits(v);
  if (!hours || v.empty() || v[0] != ':') return std::nullopt;
  v.remove_prefix(1);
  auto minutes = take_digits(v);
  if (!minutes || v.empty() || v[0] != ':') return std::nullopt;
  v.remove_prefix(1);
  if (v.empty() || v[0] < '0' || v[0] > '9') return std::nullopt;  // no sign, no "inf"
  auto seconds = read_number(v);
  if (!seconds) return std::nullopt;
  double total = static_cast<double>(*hours) * 3600 + static_cast<double>(*minutes) * 60 + *seconds;
  return negative ? -total : total;
}

std::optional<double> read_bitrate_kbps(std::string_view v) {
  auto d = take_number(v);
  if (!d) return std::nullopt;
  if (v.empty() || v == "kbits/s") return d;
  if (v == "bits/s") return *d / 1000;
  if (v == "Mbits/s" || v == "mbits/s") return *d * 1000;
  return std::nullopt;
}

std::optional<double> read_speed(std::string_view v) {
  auto d = take_number(v);
  if (!d || !(v.empty() || v == "x")) return std::nullopt;
  return d;
}

}  // namespace ffleet

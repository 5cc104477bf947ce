// Cursor readers for the numbers in ffmpeg's progress output: the hot path
// under read_status_line and the read_* functions of ffmpeg_values.hpp.
// Inline, because a status line holds nine values and a call per value
// costs as much as reading it.
//
// Each reads the value that starts at p and stops at the first byte that is
// not part of it, without looking for the value's end first. On success p
// is moved past the value; on failure p is unchanged.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>

namespace ffleet::scan {

namespace detail {

// Exact powers of ten: 10^22 is the largest that a double holds exactly.
inline constexpr double powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                           1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

inline bool take_char(const char*& p, const char* end, char c) {
  if (p == end || *p != c) return false;
  ++p;
  return true;
}

// Whether [p, end) starts with `word`; if so, p moves past it.
inline bool take_word(const char*& p, const char* end, std::string_view word) {
  if (static_cast<size_t>(end - p) < word.size() || std::memcmp(p, word.data(), word.size()) != 0)
    return false;
  p += word.size();
  return true;
}

// 2^63 as a double (exact): every double below it converts to int64_t; at or
// above it the conversion is undefined behaviour (on x86 it gives INT64_MIN).
inline constexpr double int64_bound = 9223372036854775808.0;

inline bool is_digit(char c) { return static_cast<unsigned>(static_cast<unsigned char>(c) - '0') <= 9; }

// Decimal digits at q into n; returns the first byte after them.
inline const char* take_decimal(const char* q, const char* end, uint64_t& n) {
  for (unsigned d; q < end && (d = static_cast<unsigned char>(*q) - unsigned{'0'}) <= 9; ++q) n = n * 10 + d;
  return q;
}

// The letters after a number ("kB", "kbits/s", ...).
inline std::string_view take_unit(const char*& p, const char* end) {
  const char* begin = p;
  while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '/')) ++p;
  return std::string_view(begin, static_cast<size_t>(p - begin));
}

}  // namespace detail

// "25", "-1.0", "0.914", "4e+04". ffmpeg prints plain decimals, and for those
// a hand loop is several times faster than std::from_chars. It is exact: the
// digits make an integer below 2^53 and the division by an exact power of ten
// rounds once, correctly (the fast path of Clinger's algorithm). Anything
// else (exponents, 16+ digits, inf, nan) goes to std::from_chars.
inline bool number(const char*& p, const char* end, double& out) {
  const char* q = p;
  bool negative = detail::take_char(q, end, '-');
  const char* digits_begin = q;
  uint64_t mantissa = 0;
  q = detail::take_decimal(q, end, mantissa);
  long digits = q - digits_begin;
  long fraction_digits = 0;
  if (q < end && *q == '.') {
    const char* fraction = q + 1;
    q = detail::take_decimal(fraction, end, mantissa);
    fraction_digits = q - fraction;
    digits += fraction_digits;
  }
  if (digits > 0 && digits <= 15 && !(q < end && (*q == 'e' || *q == 'E'))) {
    double d = static_cast<double>(mantissa) / detail::powers_of_ten[fraction_digits];
    out = negative ? -d : d;
    p = q;
    return true;
  }
  double d = 0;
  auto [ptr, ec] = std::from_chars(p, end, d);
  if (ec != std::errc() || !std::isfinite(d)) return false;
  out = d;
  p = ptr;
  return true;
}

// "123", "-3" (at most 18 digits: no counter is that large).
inline bool integer(const char*& p, const char* end, int64_t& out) {
  const char* q = p;
  bool negative = detail::take_char(q, end, '-');
  const char* digits = q;
  uint64_t n = 0;
  q = detail::take_decimal(q, end, n);
  if (q == digits || q - digits > 18) return false;
  out = negative ? -static_cast<int64_t>(n) : static_cast<int64_t>(n);
  p = q;
  return true;
}

// "1024kB", "512KiB", "3MiB", "1GiB", "3572". ffmpeg's kB has always been
// 1024 bytes; 6.1 only renamed it KiB.
inline bool size_bytes(const char*& p, const char* end, int64_t& out) {
  const char* q = p;
  double d;
  if (!number(q, end, d) || d < 0) return false;
  double scale;
  if (detail::take_word(q, end, "kB") || detail::take_word(q, end, "KiB")) {
    scale = 1024.0;  // what ffmpeg prints: no unit scan
  } else {
    std::string_view unit = detail::take_unit(q, end);
    if (unit.empty() || unit == "B") scale = 1;
    else if (unit == "KB" || unit == "k") scale = 1024.0;
    else if (unit == "MiB" || unit == "MB" || unit == "mB") scale = 1024.0 * 1024;
    else if (unit == "GiB" || unit == "GB" || unit == "gB") scale = 1024.0 * 1024 * 1024;
    else return false;
  }
  // "size=1e300kB" is no size any file has: unreadable, like N/A.
  double bytes = d * scale + 0.5;
  if (!(bytes < detail::int64_bound)) return false;
  out = static_cast<int64_t>(bytes);
  p = q;
  return true;
}

// "00:00:04.92", "-00:00:00.04", "00:00:01.040000", "123:00:00.00".
inline bool clock_seconds(const char*& p, const char* end, double& out) {
  const char* q = p;
  bool negative = detail::take_char(q, end, '-');
  uint64_t hours = 0, minutes = 0;
  const char* h = q;
  q = detail::take_decimal(q, end, hours);
  if (q == h || q - h > 9 || !detail::take_char(q, end, ':')) return false;
  const char* m = q;
  q = detail::take_decimal(q, end, minutes);
  if (q == m || q - m > 9 || !detail::take_char(q, end, ':')) return false;
  double seconds;
  if (q == end || !detail::is_digit(*q) || !number(q, end, seconds)) return false;  // no sign, no "inf"
  double total = static_cast<double>(hours) * 3600 + static_cast<double>(minutes) * 60 + seconds;
  out = negative ? -total : total;
  p = q;
  return true;
}

// "1704.2kbits/s" (also "bits/s" and "Mbits/s"), in kbit/s.
inline bool bitrate_kbps(const char*& p, const char* end, double& out) {
  const char* q = p;
  double d;
  if (!number(q, end, d)) return false;
  if (!detail::take_word(q, end, "kbits/s")) {  // what ffmpeg prints: no unit scan
    std::string_view unit = detail::take_unit(q, end);
    if (unit == "bits/s") d /= 1000;
    else if (unit == "Mbits/s" || unit == "mbits/s") d *= 1000;
    else if (!unit.empty()) return false;
  }
  if (!std::isfinite(d)) return false;  // "1e308Mbits/s" overflows to inf
  out = d;
  p = q;
  return true;
}

// "1.01x", "4e+04x".
inline bool speed(const char*& p, const char* end, double& out) {
  const char* q = p;
  if (!number(q, end, out)) return false;
  detail::take_char(q, end, 'x');
  p = q;
  return true;
}

}  // namespace ffleet::scan

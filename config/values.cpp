#include "config/values.hpp"

#include <array>
#include <cstddef>
#include <limits>

namespace ffleet {

namespace {

constexpr uint64_t max_u64 = std::numeric_limits<uint64_t>::max();

// At most this many significant fraction digits. Keeps fraction * unit below
// 2^64 for every unit here (the largest, GiB, is 2^30: 1e9 * 2^30 < 2^64),
// and is finer than anything a duration or size could need.
constexpr int max_fraction_digits = 9;

// A non-negative decimal as written, kept exact: whole + fraction / 10^digits.
struct Decimal {
  uint64_t whole = 0;
  uint64_t fraction = 0;
  int fraction_digits = 0;
};

enum class ScanStatus { ok, not_a_number, too_large, too_precise };

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads "digits[.digits]" from the front of `text` and drops it from `text`.
ScanStatus scan_decimal(std::string_view& text, Decimal& out) {
  size_t i = 0;
  if (i == text.size() || !is_digit(text[i])) return ScanStatus::not_a_number;
  out = Decimal{};
  bool too_large = false;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (out.whole > (max_u64 - digit) / 10) too_large = true;
    else out.whole = out.whole * 10 + digit;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (i == text.size() || !is_digit(text[i])) return ScanStatus::not_a_number;
    std::string_view digits = text.substr(i);
    size_t n = 0;
    while (n < digits.size() && is_digit(digits[n])) ++n;
    i += n;
    digits = digits.substr(0, n);
    while (!digits.empty() && digits.back() == '0') digits.remove_suffix(1);
    if (digits.size() > static_cast<size_t>(max_fraction_digits)) {
      text.remove_prefix(i);
      return ScanStatus::too_precise;
    }
    for (char c : digits) out.fraction = out.fraction * 10 + static_cast<uint64_t>(c - '0');
    out.fraction_digits = static_cast<int>(digits.size());
  }
  text.remove_prefix(i);
  return too_large ? ScanStatus::too_large : ScanStatus::ok;
}

enum class ScaleStatus { ok, overflow, not_whole };

// value * unit, exactly.
ScaleStatus scale(const Decimal& value, uint64_t unit, uint64_t& out) {
  if (unit != 0 && value.whole > max_u64 / unit) return ScaleStatus::overflow;
  uint64_t whole = value.whole * unit;
  uint64_t denominator = 1;
  for (int i = 0; i < value.fraction_digits; ++i) denominator *= 10;
  uint64_t numerator = value.fraction * unit;  // < 10^9 * 2^30, see max_fraction_digits
  if (numerator % denominator != 0) return ScaleStatus::not_whole;
  uint64_t fraction = numerator / denominator;
  if (whole > max_u64 - fraction) return ScaleStatus::overflow;
  out = whole + fraction;
  return ScaleStatus::ok;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// ---- durations ----

struct DurationUnit {
  std::string_view name;
  uint64_t ms;
};
// Largest first: a combination must follow this order.
constexpr std::array<DurationUnit, 4> duration_units = {{
    {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}}};

Parsed<Duration> duration_error(std::string_view text, std::string_view why) {
  return {std::nullopt, "bad duration " + quoted(text) + ": " + std::string(why)};
}

constexpr std::string_view duration_expected =
    "expected a number with a unit such as 250ms, 5s, 2m, 1h";

Parsed<Duration> duration_scan_error(std::string_view text, ScanStatus status) {
  if (status == ScanStatus::too_large) return duration_error(text, "too large (at most " + format_duration(max_duration) + ")");
  if (status == ScanStatus::too_precise) return duration_error(text, "finer than a millisecond");
  return duration_error(text, duration_expected);
}

Parsed<Duration> duration_scale_error(std::string_view text, ScaleStatus status) {
  if (status == ScaleStatus::not_whole) return duration_error(text, "finer than a millisecond");
  return duration_scan_error(text, ScanStatus::too_large);
}

// ---- sizes ----

struct SizeUnit {
  std::string_view name;
  uint64_t bytes;
};
// Largest first, so format_size can take the first that divides exactly.
constexpr std::array<SizeUnit, 6> size_units = {{
    {"GiB", uint64_t{1} << 30}, {"GB", 1000000000}, {"MiB", uint64_t{1} << 20},
    {"MB", 1000000}, {"KiB", uint64_t{1} << 10}, {"KB", 1000}}};

Parsed<uint64_t> size_error(std::string_view text, std::string_view why) {
  return {std::nullopt, "bad size " + quoted(text) + ": " + std::string(why)};
}

constexpr std::string_view size_expected =
    "expected a number of bytes with an optional unit B, KB, MB, GB, KiB, MiB or GiB, such as 512MiB";

}  // namespace

Parsed<Duration> parse_duration(std::string_view text) {
  if (!text.empty() && text.front() == '-') return duration_error(text, "must not be negative");

  // A bare number is seconds: YAML users write `stop_timeout: 5`.
  std::string_view rest = text;
  Decimal number;
  ScanStatus status = scan_decimal(rest, number);
  if (status != ScanStatus::ok) return duration_scan_error(text, status);
  if (rest.empty()) {
    uint64_t ms = 0;
    ScaleStatus scaled = scale(number, 1000, ms);
    if (scaled != ScaleStatus::ok) return duration_scale_error(text, scaled);
    if (ms > static_cast<uint64_t>(max_duration.count())) return duration_scan_error(text, ScanStatus::too_large);
    return {Duration(static_cast<Duration::rep>(ms)), {}};
  }

  // Otherwise number+unit pairs, units strictly from largest to smallest, so
  // a slip like "30s1m" is caught instead of being summed.
  rest = text;
  uint64_t total_ms = 0;
  size_t next_unit = 0;  // index into duration_units of the smallest unit still allowed
  while (!rest.empty()) {
    status = scan_decimal(rest, number);
    if (status != ScanStatus::ok) return duration_scan_error(text, status);
    size_t unit_length = 0;
    while (unit_length < rest.size() && rest[unit_length] >= 'a' && rest[unit_length] <= 'z') ++unit_length;
    std::string_view unit_name = rest.substr(0, unit_length);
    rest.remove_prefix(unit_length);
    size_t unit = 0;
    while (unit < duration_units.size() && duration_units[unit].name != unit_name) ++unit;
    if (unit == duration_units.size()) return duration_error(text, duration_expected);
    if (unit < next_unit) return duration_error(text, "units must go from largest to smallest, each at most once");
    next_unit = unit + 1;

    uint64_t part_ms = 0;
    ScaleStatus scaled = scale(number, duration_units[unit].ms, part_ms);
    if (scaled != ScaleStatus::ok) return duration_scale_error(text, scaled);
    if (total_ms > max_u64 - part_ms) return duration_scan_error(text, ScanStatus::too_large);
    total_ms += part_ms;
  }
  if (total_ms > static_cast<uint64_t>(max_duration.count())) return duration_scan_error(text, ScanStatus::too_large);
  return {Duration(static_cast<Duration::rep>(total_ms)), {}};
}

Parsed<uint64_t> parse_size(std::string_view text) {
  if (!text.empty() && text.front() == '-') return size_error(text, "must not be negative");
  std::string_view rest = text;
  Decimal number;
  ScanStatus status = scan_decimal(rest, number);
  if (status == ScanStatus::not_a_number) return size_error(text, size_expected);

  uint64_t unit_bytes = 0;
  if (rest.empty() || rest == "B") {
    unit_bytes = 1;
  } else {
    for (const SizeUnit& unit : size_units)
      if (rest == unit.name) unit_bytes = unit.bytes;
    if (unit_bytes == 0) return size_error(text, size_expected);
  }
  if (status == ScanStatus::too_large) return size_error(text, "too large");
  if (status == ScanStatus::too_precise) return size_error(text, "not a whole number of bytes");

  uint64_t bytes = 0;
  ScaleStatus scaled = scale(number, unit_bytes, bytes);
  if (scaled == ScaleStatus::overflow) return size_error(text, "too large");
  if (scaled == ScaleStatus::not_whole) return size_error(text, "not a whole number of bytes");
  return {bytes, {}};
}

std::string format_duration(Duration d) {
  if (d.count() == 0) return "0s";
  std::string out;
  // Negative durations are never parsed, but messages may compute one.
  uint64_t ms = 0;
  if (d.count() < 0) {
    out = "-";
    ms = static_cast<uint64_t>(-(d.count() + 1)) + 1;  // no overflow at the minimum
  } else {
    ms = static_cast<uint64_t>(d.count());
  }
  for (const DurationUnit& unit : duration_units) {
    uint64_t n = ms / unit.ms;
    if (n == 0) continue;
    out += std::to_string(n);
    out += unit.name;
    ms -= n * unit.ms;
  }
  return out;
}

std::string format_size(uint64_t bytes) {
  if (bytes == 0) return "0";
  for (const SizeUnit& unit : size_units)
    if (bytes % unit.bytes == 0) return std::to_string(bytes / unit.bytes) + std::string(unit.name);
  return std::to_string(bytes);
}

}  // namespace ffleet

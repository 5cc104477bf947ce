// Readers for the values in ffmpeg's progress output ("frame=  123",
// "size=1024kB", "time=-00:00:00.04", "speed=4e+04x", ...). Written by hand,
// without std::regex or locales: they run on every progress line of every
// job. Each takes the value without its key and surrounding blanks and
// returns nullopt for "N/A", an empty value or anything it cannot read, so a
// field ffmpeg could not fill is told apart from a real 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ffleet {

// "25", "-1.0", "0.0", "4e+04"; finite values only (JSON has no inf/nan).
std::optional<double> read_number(std::string_view v);

// "123", "-3".
std::optional<int64_t> read_integer(std::string_view v);

// "1024kB", "512KiB", "3MiB", "1GiB", "3572" (bytes, as in `total_size=`).
// ffmpeg's kB has always been 1024 bytes; 6.1 only renamed it KiB.
std::optional<int64_t> read_size_bytes(std::string_view v);

// "00:00:04.92", "-00:00:00.04", "00:00:01.040000", "123:00:00.00".
std::optional<double> read_clock_seconds(std::string_view v);

// "1704.2kbits/s" (also "bits/s" and "Mbits/s"), in kbit/s.
std::optional<double> read_bitrate_kbps(std::string_view v);

// "1.01x", "4e+04x".
std::optional<double> read_speed(std::string_view v);

// The same readers on a cursor are in ffmpeg_scan.hpp; these are those
// plus "and nothing may follow the value".

}  // namespace ffleet

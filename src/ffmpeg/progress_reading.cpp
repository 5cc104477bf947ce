#include "src/ffmpeg/progress_reading.hpp"

#include <cstring>

#include "src/ffmpeg/ffmpeg_scan.hpp"
#include "src/ffmpeg/ffmpeg_values.hpp"

namespace ffleet {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Between the fields of a status line: a blank, or any other control
// character. One compare a byte: this loop runs over every status line.
bool is_separator(char c) { return static_cast<unsigned char>(c) <= ' '; }

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// stream_<file>_<stream>_q: the quantizer of one output stream.
bool is_stream_q(std::string_view key) {
  if (!starts_with(key, "stream_") || key.size() < 12 || key.compare(key.size() - 2, 2, "_q") != 0)
    return false;
  for (char c : key.substr(7, key.size() - 9))
    if (c != '_' && (c < '0' || c > '9')) return false;
  return true;
}

// The keys of a block that ffmpeg 4.x to 7.x print. Only these open a block.
enum class BlockKey {
  unknown, frame, fps, bitrate, total_size, out_time_us, out_time_ms, out_time,
  dup_frames, drop_frames, speed, stream_q, progress
};

BlockKey block_key(std::string_view k) {
  switch (k.empty() ? '\0' : k[0]) {  // by first letter: one or two compares a line
    case 'f':
      if (k == "frame") return BlockKey::frame;
      if (k == "fps") return BlockKey::fps;
      break;
    case 'b': if (k == "bitrate") return BlockKey::bitrate; break;
    case 't': if (k == "total_size") return BlockKey::total_size; break;
    case 'o':
      if (k == "out_time_us") return BlockKey::out_time_us;
      if (k == "out_time_ms") return BlockKey::out_time_ms;
      if (k == "out_time") return BlockKey::out_time;
      break;
    case 'd':
      if (k == "dup_frames") return BlockKey::dup_frames;
      if (k == "drop_frames") return BlockKey::drop_frames;
      break;
    case 's':
      if (k == "speed") return BlockKey::speed;
      if (is_stream_q(k)) return BlockKey::stream_q;
      break;
    case 'p': if (k == "progress") return BlockKey::progress; break;
    default: break;
  }
  return BlockKey::unknown;
}

bool is_key_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// The fields of a status line that we read.
enum class Field { none, unknown, frame, fps, q, size, time, bitrate, dup, drop, speed };

bool has(const char* p, const char* end, std::string_view word) {
  return static_cast<size_t>(end - p) >= word.size() && std::memcmp(p, word.data(), word.size()) == 0;
}

// Reads the key at p, "=" included. Known keys are matched whole by their
// first letter and one fixed-size compare, without a scan for '='.
Field take_key(const char*& p, const char* end) {
  // The final report marks the field after the first q with 'L': Lsize=
  // with one output, Lq= with more.
  const char* k = (*p == 'L') ? p + 1 : p;
  Field f = Field::unknown;
  size_t n = 0;
  if (k < end) {
    switch (*k) {
      case 'f':
        if (has(k, end, "frame=")) f = Field::frame, n = 6;
        else if (has(k, end, "fps=")) f = Field::fps, n = 4;
        break;
      case 'q': if (has(k, end, "q=")) f = Field::q, n = 2; break;
      case 's':
        if (has(k, end, "size=")) f = Field::size, n = 5;
        else if (has(k, end, "speed=")) f = Field::speed, n = 6;
        break;
      case 't': if (has(k, end, "time=")) f = Field::time, n = 5; break;
      case 'b': if (has(k, end, "bitrate=")) f = Field::bitrate, n = 8; break;
      case 'd':
        if (has(k, end, "dup=")) f = Field::dup, n = 4;
        else if (has(k, end, "drop=")) f = Field::drop, n = 5;
        break;
      default: break;
    }
  }
  if (f != Field::unknown) {
    p = k + n;
    return f;
  }
  while (p < end && *p != '=' && !is_separator(*p)) ++p;  // e.g. 7.x's elapsed=
  if (p < end && *p == '=') {
    ++p;
    return Field::unknown;
  }
  return Field::none;  // a word without '=': not a field
}

// Reads the value at p with `scan`; it must end at a separator. N/A or
// anything unreadable is skipped as a whole word and reads as absent.
template <class T, class Scan>
inline std::optional<T> take_value(const char*& p, const char* end, Scan scan) {
  const char* start = p;
  T v;
  if (scan(p, end, v) && (p == end || is_separator(*p))) return v;
  p = start;
  while (p < end && !is_separator(*p) && *p != '=') ++p;
  // An empty value before the next key ("size= time=..."): leave the key.
  if (p < end && *p == '=') p = start;
  return std::nullopt;
}

void skip_word(const char*& p, const char* end) {
  while (p < end && !is_separator(*p)) ++p;
}

}  // namespace

bool read_status_line(std::string_view s, ProgressReading& out) {
  // Cheap rejection first: most lines that reach here are log lines.
  if (s.empty()) return false;
  switch (s[0]) {
    case 'f': if (!starts_with(s, "frame=")) return false; break;
    case 's': if (!starts_with(s, "size=")) return false; break;
    case 'L': if (!starts_with(s, "Lsize=")) return false; break;
    default: return false;
  }
  // One pass: key, padding, value, separators, next key. ffmpeg pads values
  // ("frame=  123", "speed=   1x"); any run of blanks separates fields.
  out = ProgressReading{};
  bool has_time = false, has_q = false;
  const char* p = s.data();
  const char* const end = p + s.size();
  while (true) {
    while (p < end && is_separator(*p)) ++p;
    if (p == end) break;
    Field field = take_key(p, end);
    if (field == Field::none) continue;
    while (p < end && is_separator(*p)) ++p;
    switch (field) {
      case Field::frame: out.frame = take_value<int64_t>(p, end, scan::integer); break;
      case Field::fps: out.fps = take_value<double>(p, end, scan::number); break;
      case Field::q:
        if (has_q) skip_word(p, end);  // one q per output: the first one's
        else out.q = take_value<double>(p, end, scan::number);
        has_q = true;
        break;
      case Field::size: out.size_bytes = take_value<int64_t>(p, end, scan::size_bytes); break;
      case Field::time:
        out.time_s = take_value<double>(p, end, scan::clock_seconds);
        has_time = true;
        break;
      case Field::bitrate: out.bitrate_kbps = take_value<double>(p, end, scan::bitrate_kbps); break;
      case Field::dup: out.dup = take_value<int64_t>(p, end, scan::integer); break;
      case Field::drop: out.drop = take_value<int64_t>(p, end, scan::integer); break;
      case Field::speed: out.speed = take_value<double>(p, end, scan::speed); break;
      case Field::unknown:
      case Field::none: skip_word(p, end); break;
    }
  }
  return has_time;
}

ProgressBlock::Line ProgressBlock::add(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_key_char(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != '=') return Line::other;
  std::string_view key = s.substr(0, i);
  BlockKey known = block_key(key);
  // Outside a block only a known key starts one; inside, ffmpeg may add keys
  // we do not know, and they belong to the block all the same.
  if (!open_ && known == BlockKey::unknown) return Line::other;
  std::string_view value = trim(s.substr(i + 1));
  // ffmpeg's block values are one word ("speed=   1x" is padding): a line
  // like "frame=  12 fps=3" is something else.
  for (char c : value)
    if (is_blank(c)) return Line::other;
  open_ = true;
  ++fields_;
  switch (known) {
    case BlockKey::progress: --fields_; return Line::end;
    case BlockKey::frame: reading_.frame = read_integer(value); break;
    case BlockKey::fps: reading_.fps = read_number(value); break;
    case BlockKey::bitrate: reading_.bitrate_kbps = read_bitrate_kbps(value); break;
    case BlockKey::total_size: reading_.size_bytes = read_size_bytes(value); break;
    case BlockKey::out_time_us: out_time_us_ = read_number(value); break;
    case BlockKey::out_time_ms: out_time_ms_ = read_number(value); break;
    case BlockKey::out_time: out_time_ = read_clock_seconds(value); break;
    case BlockKey::dup_frames: reading_.dup = read_integer(value); break;
    case BlockKey::drop_frames: reading_.drop = read_integer(value); break;
    case BlockKey::speed: reading_.speed = read_speed(value); break;
    case BlockKey::stream_q:  // one per output stream: the first one's
      if (!reading_.q) reading_.q = read_number(value);
      break;
    case BlockKey::unknown: --fields_; break;  // skipped
  }
  return Line::field;
}

std::optional<ProgressReading> ProgressBlock::take() {
  std::optional<ProgressReading> out;
  if (fields_ > 0) {
    out = reading_;
    if (out_time_us_) out->time_s = *out_time_us_ / 1e6;
    else if (out_time_ms_) out->time_s = *out_time_ms_ / 1e6;
    else out->time_s = out_time_;
  }
  open_ = false;
  fields_ = 0;
  reading_ = ProgressReading{};
  out_time_us_.reset();
  out_time_ms_.reset();
  out_time_.reset();
  return out;
}

}  // namespace ffleet

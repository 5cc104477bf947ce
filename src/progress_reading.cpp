#include "src/progress_reading.hpp"

#include "src/ffmpeg_values.hpp"

namespace ffleet {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

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

// The keys that open a block: those ffmpeg 4.x to 7.x print.
bool is_block_key(std::string_view key) {
  return key == "frame" || key == "fps" || key == "bitrate" || key == "total_size" ||
         key == "out_time_us" || key == "out_time_ms" || key == "out_time" || key == "dup_frames" ||
         key == "drop_frames" || key == "speed" || key == "progress" || is_stream_q(key);
}

bool is_key_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

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
  ProgressReading r;
  bool has_time = false, has_q = false;
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    while (i < n && is_blank(s[i])) ++i;
    size_t key_begin = i;
    while (i < n && s[i] != '=' && !is_blank(s[i])) ++i;
    if (i >= n || s[i] != '=') continue;  // a word without '=': not a field, skip it
    std::string_view key = s.substr(key_begin, i - key_begin);
    ++i;
    while (i < n && is_blank(s[i])) ++i;  // ffmpeg pads values: "frame=  123", "speed=   1x"
    size_t value_begin = i;
    while (i < n && !is_blank(s[i])) ++i;
    std::string_view value = s.substr(value_begin, i - value_begin);
    // The final report marks the field after the first q with 'L': Lsize=
    // with one output, Lq= with more.
    if (key.size() > 1 && key[0] == 'L') key.remove_prefix(1);
    if (key == "frame") r.frame = read_integer(value);
    else if (key == "fps") r.fps = read_number(value);
    else if (key == "q") {
      if (!has_q) r.q = read_number(value);  // one q per output: the first one's
      has_q = true;
    } else if (key == "size") r.size_bytes = read_size_bytes(value);
    else if (key == "time") {
      r.time_s = read_clock_seconds(value);
      has_time = true;
    } else if (key == "bitrate") r.bitrate_kbps = read_bitrate_kbps(value);
    else if (key == "dup") r.dup = read_integer(value);
    else if (key == "drop") r.drop = read_integer(value);
    else if (key == "speed") r.speed = read_speed(value);
  }
  if (!has_time) return false;
  out = r;
  return true;
}

ProgressBlock::Line ProgressBlock::add(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_key_char(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != '=') return Line::other;
  std::string_view key = s.substr(0, i);
  // Outside a block only a known key starts one; inside, ffmpeg may add keys
  // we do not know, and they belong to the block all the same.
  if (!open_ && !is_block_key(key)) return Line::other;
  std::string_view value = trim(s.substr(i + 1));
  // ffmpeg's block values are one word ("speed=   1x" is padding): a line
  // like "frame=  12 fps=3" is something else.
  for (char c : value)
    if (is_blank(c)) return Line::other;
  open_ = true;
  if (key == "progress") return Line::end;
  ++fields_;
  if (key == "frame") reading_.frame = read_integer(value);
  else if (key == "fps") reading_.fps = read_number(value);
  else if (key == "bitrate") reading_.bitrate_kbps = read_bitrate_kbps(value);
  else if (key == "total_size") reading_.size_bytes = read_size_bytes(value);
  else if (key == "out_time_us") out_time_us_ = read_number(value);
  else if (key == "out_time_ms") out_time_ms_ = read_number(value);
  else if (key == "out_time") out_time_ = read_clock_seconds(value);
  else if (key == "dup_frames") reading_.dup = read_integer(value);
  else if (key == "drop_frames") reading_.drop = read_integer(value);
  else if (key == "speed") reading_.speed = read_speed(value);
  else if (!reading_.q && is_stream_q(key)) reading_.q = read_number(value);
  else --fields_;  // unknown: skipped
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

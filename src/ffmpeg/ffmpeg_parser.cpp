#include "src/ffmpeg/ffmpeg_parser.hpp"

#include <cmath>

namespace ffleet {

namespace {
// About 290,000 years: far beyond any medium, far below int64 milliseconds.
constexpr double max_media_seconds = 9e15;
}  // namespace

OutputParser::OutputParser(size_t prelude_head, size_t prelude_tail)
    : prelude_(prelude_head, prelude_tail) {}

uint64_t OutputParser::parse(std::string_view line, SteadyTime now, WallTime wall) {
  LevelSplit split = split_level_prefix(line);
  levels_.add(split.level);
  last_level_ = split.level;

  uint64_t amount = 0;
  bool progress = true;
  ProgressReading reading;
  if (read_status_line(split.text, reading)) {
    if (!blocks_seen_) amount = apply(reading, now, wall);
  } else {
    switch (block_.add(split.text)) {
      case ProgressBlock::Line::other:
        progress = false;
        break;
      case ProgressBlock::Line::field:
        break;
      case ProgressBlock::Line::end:
        // Only a complete block proves the run prints blocks: a stray
        // "frame=..." line must not turn the status lines off.
        if (auto block = block_.take()) {
          blocks_seen_ = true;
          amount = apply(*block, now, wall);
        }
        break;
    }
  }
  last_was_progress_ = progress;
  if (progress) progress_started_ = true;
  else if (!progress_started_) prelude_.add(line);
  return amount;
}

uint64_t OutputParser::apply(const ProgressReading& r, SteadyTime now, WallTime wall) {
  const bool first = !progress_.has_value();
  if (first) {
    frame_rate_.start(now);
    first_progress_at_ = wall;
  }
  last_progress_at_ = wall;

  uint64_t frames = 0;
  if (r.frame && *r.frame > frames_high_) {
    frames = static_cast<uint64_t>(*r.frame - frames_high_);
    frames_high_ = *r.frame;
  }
  uint64_t amount = frames;
  // No frame counter has moved (audio-only output): media time is progress.
  // A media time beyond what int64 milliseconds hold ("time=00:00:1e308")
  // is no time any medium has: it moves nothing, instead of overflowing.
  if (frames_high_ == 0 && r.time_s && std::fabs(*r.time_s) < max_media_seconds) {
    auto ms = static_cast<int64_t>(std::floor(*r.time_s * 1000));
    if (ms > media_ms_high_) {
      amount = static_cast<uint64_t>(ms - media_ms_high_);
      media_ms_high_ = ms;
    }
  }
  // The first update only starts the window: its count covers the time
  // since ffmpeg started, which is unknown here.
  if (!first) frame_rate_.add(now, static_cast<double>(frames));
  if (r.size_bytes && r.time_s) byte_rate_.add(*r.time_s, *r.size_bytes);

  Progress p;
  p.frame = r.frame.value_or(0);
  p.q = r.q.value_or(0);
  p.size_bytes = r.size_bytes.value_or(0);
  p.time_s = r.time_s.value_or(0);
  p.speed = r.speed.value_or(0);
  p.dup = r.dup.value_or(0);
  p.drop = r.drop.value_or(0);
  p.fps = r.fps.value_or(0);
  p.bitrate_kbps = r.bitrate_kbps.value_or(0);
  progress_ = p;
  progress_now_ = now;
  frame_counted_ = r.frame.has_value();
  size_counted_ = r.size_bytes.has_value() && r.time_s.has_value();
  return amount;
}

std::optional<Progress> OutputParser::progress() const {
  std::optional<Progress> p = progress_;
  if (!p) return p;
  // Our own averages where the counter exists and the window has history;
  // else whatever ffmpeg said (N/A is 0).
  if (frame_counted_)
    if (auto fps = frame_rate_.per_second(progress_now_)) p->fps = *fps;
  if (size_counted_)
    if (auto bytes_per_s = byte_rate_.per_second()) p->bitrate_kbps = *bytes_per_s * 8 / 1000;
  return p;
}

}  // namespace ffleet

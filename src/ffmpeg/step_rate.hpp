// The output bitrate from ffmpeg's size and time counters, measured between
// the moments the size moves.
//
// ffmpeg reports the size of what reached its output, and that grows by
// whole muxer buffers: 32 KiB for most files, 256 KiB at a time for MPEG-TS
// (7 s of a 300 kbit/s stream). A rate taken over a fixed window of time
// therefore swings with how many buffers fell into it (one or two steps of
// 256 KiB in 10 s read 210 or 420 kbit/s for a 300 kbit/s stream). Measured
// from one step to a later one, the bytes and the time they took match.
//
// The time is ffmpeg's media time (`time=`, `out_time_us`), so the rate is
// bits per media second, what ffmpeg's own `bitrate=` means; it does not
// depend on how fast the run goes (speed 4x does not mean 4x the bitrate).
// ffmpeg's own figure is an average since the start and lags behind any
// change; this one spans at least `span` media seconds, or more when the
// steps are further apart.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace ffleet {

class StepRate {
 public:
  explicit StepRate(double span_s = 20) : span_s_(span_s) {}

  // One reading: the counter (bytes) and the position (media seconds).
  void add(double position_s, int64_t counter);

  // Counter units per position second between the oldest and the newest
  // step kept; nullopt until two steps were seen. When the counter has not
  // moved for a whole span of positions, the rate runs to the latest
  // position instead, so output that stopped reads as falling, not as its
  // old value.
  std::optional<double> per_second() const;

 private:
  struct Step {
    double position_s;
    int64_t counter;
  };
  double span_s_;
  std::optional<int64_t> last_counter_;  // the first reading is no step: when it moved is unknown
  double latest_position_s_ = 0;
  std::deque<Step> steps_;
};

}  // namespace ffleet

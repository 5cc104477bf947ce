// A moving average of a counter's growth per second over a short window,
// kept in one-second buckets.
//
// Why not ffmpeg's own fps and bitrate: ffmpeg prints averages since its
// start (fps) or N/A (bitrate with the null muxer, everything with some
// outputs), so a stream that stalls for a minute after an hour still shows
// its old fps. Feeding the counter differences between progress updates in
// here gives the real recent throughput.
//
// The window covers the last `window` whole buckets, the current one
// included, so it spans between window-1 and window seconds once warm; before
// that, it spans from the first update (the baseline) to now.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "src/time_format.hpp"

namespace ffleet {

class RateWindow {
 public:
  explicit RateWindow(std::chrono::seconds window = std::chrono::seconds(10),
                      std::chrono::milliseconds min_span = std::chrono::milliseconds(1000));

  // The first update: counting starts here (what came before has no known
  // duration, so it is not counted).
  void start(SteadyTime t);
  bool started() const { return started_; }

  // `amount` more units at time t (t never before the previous call).
  void add(SteadyTime t, double amount);

  // Units per second over the window ending at `now`; nullopt before start()
  // and while the window spans less than min_span.
  std::optional<double> per_second(SteadyTime now) const;

 private:
  struct Bucket {
    int64_t index = -1;  // whole seconds since origin_
    double sum = 0;
  };
  int64_t bucket_index(SteadyTime t) const;

  int64_t window_;                    // buckets
  std::chrono::nanoseconds min_span_;
  bool started_ = false;
  SteadyTime origin_{};
  std::vector<Bucket> buckets_;       // ring, slot = index % window_
};

}  // namespace ffleet

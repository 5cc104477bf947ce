// A moving average of a counter's growth per second over a short window,
// kept in one-second buckets.
//
// Why not ffmpeg's own fps and bitrate: ffmpeg prints averages since its
// start (fps) or N/A (bitrate with the null muxer), so a stream that stalls
// for a minute after an hour still shows its old fps. Feeding the counter
// differences between progress updates in here gives the real recent
// throughput.
//
// Each add() covers the time since the previous one, so the average divides
// by exactly the time its amounts cover: from the start of the oldest
// amount still in the window (the last `window` buckets, the current one
// included) to now. No edge error, however the updates fall on the buckets.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "src/util/time_format.hpp"

namespace ffleet {

class RateWindow {
 public:
  explicit RateWindow(std::chrono::seconds window = std::chrono::seconds(10),
                      std::chrono::milliseconds min_span = std::chrono::milliseconds(1000));

  // Counting starts here: what came before has no known duration.
  void start(SteadyTime t);

  // `amount` more units since the previous add() (or start()), at time t (t
  // never before the previous call). Add 0 too: it moves the time on.
  void add(SteadyTime t, double amount);

  // Units per second; nullopt before start() and while the amounts cover
  // less than min_span (too short to mean anything).
  std::optional<double> per_second(SteadyTime now) const;

 private:
  struct Bucket {
    int64_t index = -1;  // whole seconds since origin_
    double sum = 0;
    SteadyTime from{};   // where the time covered by its first amount begins
  };
  int64_t bucket_index(SteadyTime t) const;

  int64_t window_;  // buckets
  std::chrono::nanoseconds min_span_;
  bool started_ = false;
  SteadyTime origin_{};
  SteadyTime last_{};
  std::vector<Bucket> buckets_;  // ring, slot = index % window_
};

}  // namespace ffleet

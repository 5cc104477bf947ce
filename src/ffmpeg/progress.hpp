// The last progress of a run: the status `progress` object (docs/control.md).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace ffleet {

// Values ffmpeg reports as N/A are 0. fps and bitrate_kbps are ffleet's own
// recent rates of the counters (see OutputParser), the rest is what ffmpeg
// printed last.
struct Progress {
  int64_t frame = 0;          // frames written (first video output)
  double fps = 0;             // frames per second, recent average
  double q = 0;               // quantizer of the first video output
  int64_t size_bytes = 0;     // bytes written so far (ffmpeg's kB/KiB are 1024 bytes)
  double time_s = 0;          // media time written, may be slightly negative at the start
  double bitrate_kbps = 0;    // output bitrate per media second, recent (StepRate), 1 kbit = 1000 bit
  double speed = 0;           // media seconds per wall-clock second
  int64_t dup = 0;            // frames duplicated
  int64_t drop = 0;           // frames dropped

  bool operator==(const Progress& o) const;
  bool operator!=(const Progress& o) const { return !(*this == o); }
};

// Exactly the spec's keys: frame, fps, q, size_bytes, time_s, bitrate_kbps,
// speed, dup, drop.
void to_json(nlohmann::json& j, const Progress& p);

}  // namespace ffleet

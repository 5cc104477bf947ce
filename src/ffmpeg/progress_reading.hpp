// What one progress report of ffmpeg says, in either of its two forms.
//
// The classic status line, printed to stderr every 0.5 s and ended by '\r'
// (ffmpeg 4.x to 7.x; the final one says Lsize=, or Lq= with two outputs):
//
//   frame=  123 fps= 25 q=28.0 size=    1024kB time=00:00:04.92 bitrate=1704.2kbits/s dup=0 drop=3 speed=1.01x
//   size=     512KiB time=00:00:04.92 bitrate= 852.1kbits/s speed=1.01x      (audio only, 6.1+ units)
//
// and the `-progress URL` block, one key=value a line, closed by progress=:
//
//   frame=26  fps=25.65  stream_0_0_q=2.0  bitrate=N/A  total_size=3572
//   out_time_us=1040000  out_time_ms=1040000  out_time=00:00:01.040000
//   dup_frames=0  drop_frames=0  speed=1.03x  progress=continue
//
// Both are read by hand, field by field, in any order, with any padding, and
// unknown fields are skipped, so later ffmpeg versions that add fields (7.x's
// elapsed=) still parse.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ffleet {

// Empty fields were absent or N/A.
struct ProgressReading {
  std::optional<int64_t> frame;
  std::optional<double> fps;
  std::optional<double> q;             // the first output's
  std::optional<int64_t> size_bytes;
  std::optional<double> time_s;
  std::optional<double> bitrate_kbps;
  std::optional<double> speed;
  std::optional<int64_t> dup;
  std::optional<int64_t> drop;
};

// Whether `text` (a line without its level prefix) is a classic status line;
// if so its fields are stored in `out` (which is unspecified otherwise). A line counts when it starts with
// frame=, size= or Lsize= and has a time= field: that tells it from the
// block's lone "frame=26".
bool read_status_line(std::string_view text, ProgressReading& out);

// Collects the lines of one `-progress` block.
class ProgressBlock {
 public:
  enum class Line {
    other,  // not part of a block: a log line
    field,  // a key=value line of the block
    end,    // progress=continue or progress=end: the block is complete, take() it
  };

  Line add(std::string_view text);

  // The completed block's values (nullopt if it had no known field); starts
  // a new block.
  std::optional<ProgressReading> take();

 private:
  bool open_ = false;  // inside a block: any key=value line belongs to it
  int fields_ = 0;     // known fields read
  ProgressReading reading_;
  // ffmpeg prints the output time three ways; out_time_ms is in microseconds
  // too (a historic ffmpeg bug). Most precise first.
  std::optional<double> out_time_us_, out_time_ms_, out_time_;
};

}  // namespace ffleet

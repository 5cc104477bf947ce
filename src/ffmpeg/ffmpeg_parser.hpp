// Reads ffmpeg's stderr, one line at a time (after the LineSplitter), for
// one run of a job: a new run gets a new parser.
//
// For every line it decides whether it is progress (a classic status line,
// or a line of a `-progress pipe:2` block) or a log line, counts it under
// its `-loglevel level+info` level, keeps the prelude (the log lines before
// the first progress), and turns progress into the status `progress` object
// with real recent rates.
//
// It returns how much the run progressed, which drives stale detection: the
// frames written since the previous update, or, while the frame counter is
// absent or still 0 (audio-only output), the milliseconds of media time
// written. A run that prints but does not advance is stale (as in datarhei
// core, see docs/architecture.md, "Prior art").
//
// When a run prints both forms (`-progress pipe:2` keeps the status line),
// the blocks win once a whole block was seen: their size is exact bytes and
// their time is in microseconds, while the status line rounds both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/ffmpeg/log_level.hpp"
#include "src/ffmpeg/prelude.hpp"
#include "src/ffmpeg/progress.hpp"
#include "src/ffmpeg/progress_reading.hpp"
#include "src/ffmpeg/rate_window.hpp"
#include "src/ffmpeg/step_rate.hpp"
#include "src/util/time_format.hpp"

namespace ffleet {

class OutputParser {
 public:
  explicit OutputParser(size_t prelude_head = 100, size_t prelude_tail = 50);

  // Feeds one line (any bytes, no terminator). `now` times the rates; `wall`
  // stamps the progress. Returns the progress amount (see above): 0 when the
  // line is not progress or nothing advanced.
  uint64_t parse(std::string_view line, SteadyTime now, WallTime wall);

  // Progress lines are never logged: the caller keeps only the others.
  bool last_line_was_progress() const { return last_was_progress_; }
  LogLevel last_line_level() const { return last_level_; }

  // The latest values; nullopt before the first progress. The rates (fps,
  // bitrate) are worked out here, as of the last progress line, rather than
  // for every line: a run prints far more lines than anyone asks for.
  std::optional<Progress> progress() const;
  // When progress started (the run really runs) and when it was last updated.
  const std::optional<WallTime>& first_progress_at() const { return first_progress_at_; }
  const std::optional<WallTime>& last_progress_at() const { return last_progress_at_; }

  // The log lines before the first progress line: the first prelude_head,
  // "... N lines truncated ...", the last prelude_tail. Lines as read, level
  // prefixes included.
  std::vector<std::string> prelude() const { return prelude_.lines(); }

  // Every line, progress included, by level.
  const LevelCounts& levels() const { return levels_; }

 private:
  // Turns one reading into the Progress; returns the progress amount.
  uint64_t apply(const ProgressReading& r, SteadyTime now, WallTime wall);

  Prelude prelude_;
  LevelCounts levels_;
  ProgressBlock block_;
  bool blocks_seen_ = false;        // the run prints -progress blocks: ignore the status lines
  bool progress_started_ = false;   // a progress line was seen: the prelude is over
  bool last_was_progress_ = false;
  LogLevel last_level_ = LogLevel::none;

  std::optional<Progress> progress_;  // fps and bitrate_kbps as ffmpeg printed them (N/A: 0)
  SteadyTime progress_now_{};        // when the last progress line came
  bool frame_counted_ = false;       // the last line had a frame counter: fps is ours
  bool size_counted_ = false;        // ... a size and a time: the bitrate is ours
  std::optional<WallTime> first_progress_at_, last_progress_at_;

  // High-water marks of the counters: a counter that goes back (it should
  // not) is never counted twice.
  int64_t frames_high_ = 0;
  int64_t media_ms_high_ = 0;
  RateWindow frame_rate_;   // frames per wall-clock second
  StepRate byte_rate_;      // bytes per media second
};

}  // namespace ffleet

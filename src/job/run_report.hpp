// The report of one finished run: how it ended and why, what it printed
// before it got going (the prelude) and at the end (the log), what it
// achieved (its last progress) and what it cost. The job keeps the last few
// in a ReportHistory, served by `ctl report`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/ffmpeg/log_level.hpp"
#include "src/job/log_ring.hpp"
#include "src/ffmpeg/progress.hpp"
#include "src/util/time_format.hpp"

namespace ffleet {

// CPU in percent of one core and resident memory in bytes, both of the
// run's whole process tree, over the samples taken during the run.
struct ResourceStats {
  double cpu_max = 0, cpu_avg = 0;
  uint64_t memory_max = 0, memory_avg = 0;
};

void to_json(nlohmann::json& j, const ResourceStats& s);

struct RunReport {
  uint64_t run = 0;               // the job's run counter, from 1
  WallTime started{}, ended{};
  std::string exit_state;         // finished, failed or killed
  std::optional<int> exit_code;   // set when the process exited
  std::optional<int> signal;      // set when a signal ended it
  std::string reason;             // "exit code 1", "stale timeout after 10s", ...
  std::optional<Progress> last_progress;
  std::vector<std::string> prelude;
  std::vector<LogEntry> log;      // the run's last log lines
  LevelCounts levels;
  ResourceStats usage;
};

// {"run","started","ended","runtime_s","exit_state","exit_code","signal",
//  "reason","last_progress","prelude","log","levels","usage"}: times in
// RFC 3339, absent values null, child text made valid UTF-8.
void to_json(nlohmann::json& j, const RunReport& r);

// The last `capacity` reports, oldest first.
class ReportHistory {
 public:
  explicit ReportHistory(size_t capacity);  // 0 keeps nothing

  void push(RunReport report);
  const std::deque<RunReport>& reports() const { return reports_; }

 private:
  size_t capacity_;
  std::deque<RunReport> reports_;
};

}  // namespace ffleet

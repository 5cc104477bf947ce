// The status of one job, served by `ctl status --json` and the HTTP API (the
// object docs/control.md describes). Plain data: the job actor fills it, or
// the supervisor for a job actor it gave up on.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "src/ffmpeg/progress.hpp"
#include "src/job/state.hpp"

namespace ffleet {

struct JobStatus {
  std::string id;
  State state = State::finished;
  Order order = Order::stop;
  std::optional<int> pid;                  // null when no process exists
  uint64_t run = 0;                        // starts so far, from 1
  std::chrono::system_clock::time_point since;  // last state change (wall clock, display only)
  double duration_s = 0;                   // time in the current state (monotonic)
  StateCounters states;
  std::optional<double> reconnect_in_s;    // a scheduled restart, else null
  bool gave_up = false;                    // no more automatic restarts until an operator start
  double cpu_percent = 0;                  // 100 = one core, whole process tree
  uint64_t memory_bytes = 0;               // resident, whole process tree
  std::optional<Progress> progress;        // null before the first progress
  std::string last_line;

  // Beyond the operator interface's minimum (documented in docs/control.md):
  double uptime_s = 0;                     // runtime of the current process, 0 if none
  uint64_t restarts = 0;                   // automatic restarts so far
  uint64_t stale_kills = 0;
  uint64_t limit_kills = 0;
  std::string gave_up_reason;              // why gave_up is set, else empty
  double cpu_seconds_total = 0;            // CPU time of every run so far (sampled), only grows
  uint64_t frames_total = 0;               // frames written by every run so far, only grows
  std::optional<std::chrono::system_clock::time_point> process_started;  // the current process's start
  std::optional<int> exit_code;            // how the last run ended: its exit code,
  std::optional<int> exit_signal;          // or the signal that ended it
  uint64_t log_file_dropped_lines = 0;     // not written to log_file: the disk was too slow
};

void to_json(nlohmann::json& j, const JobStatus& s);

}  // namespace ffleet

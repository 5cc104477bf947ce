// The job's side of its log file: which lines go to the log writer and
// which are dropped because too many are still on their way (a disk slower
// than the job's output). Bounds the memory waiting for the disk per job,
// counts what it drops, and puts a note where lines are missing.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "src/job/log_ring.hpp"

namespace ffleet {

class LogFileBudget {
 public:
  explicit LogFileBudget(uint64_t max_in_flight) : max_in_flight_(max_in_flight) {}

  struct Batch {
    std::vector<LogEntry> lines;  // what to send (maybe a note first)
    uint64_t bytes = 0;           // to give back with written() once the writer answered
  };

  // The batch to send for `lines`, or nothing: then they are dropped and
  // counted, and the next batch begins with a note saying how many.
  std::optional<Batch> admit(const std::vector<LogEntry>& lines, WallTime now);
  // The writer answered for a batch (written or not).
  void written(uint64_t bytes) { in_flight_ -= bytes; }

  uint64_t dropped() const { return dropped_; }
  uint64_t in_flight() const { return in_flight_; }

 private:
  uint64_t max_in_flight_;
  uint64_t in_flight_ = 0;
  uint64_t skipped_ = 0;  // dropped since the last batch that went out
  uint64_t dropped_ = 0;  // dropped in total
};

}  // namespace ffleet

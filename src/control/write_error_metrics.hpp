// The metrics of lost writes: failed writes to the --events file and to
// jobs' log files, and log lines a job dropped from its file because the
// disk was too slow. Kept apart from metrics_format so the two can change
// on their own; /metrics serves both, this block last.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/job/job_status.hpp"

namespace ffleet {

struct WriteErrorCounts {
  uint64_t events = 0;  // ffleet_events_write_errors_total
  uint64_t logs = 0;    // ffleet_log_write_errors_total
};

// Prometheus text: the two counters, and
// ffleet_job_log_file_dropped_lines_total{id="..."} per job.
std::string format_write_error_metrics(const WriteErrorCounts& counts, const std::vector<JobStatus>& jobs);

}  // namespace ffleet

// The fleet in the Prometheus text exposition format, version 0.0.4: what
// GET /metrics serves. A plain function of the job statuses, so it can be
// tested without a daemon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/job/job_status.hpp"

namespace ffleet {

// The daemon's own usage (the standard process_* metrics).
struct ProcessUsage {
  double cpu_seconds = 0;       // user + system since the daemon started
  uint64_t resident_bytes = 0;
};

// Every metric family once, with its HELP and TYPE lines, jobs in the order
// given. Per-job progress metrics are left out for a job that has reported no
// progress yet (absent rather than a made-up 0).
std::string format_metrics(const std::vector<JobStatus>& jobs, const std::optional<ProcessUsage>& self);

// A label value with backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

// A sample value: integers without a fraction, NaN and infinities as
// Prometheus spells them.
std::string format_sample_value(double value);

}  // namespace ffleet

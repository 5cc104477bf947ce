// The fleet in the Prometheus text exposition format, version 0.0.4: what
// GET /metrics serves. A plain function of the job statuses, so it can be
// tested without a daemon.
//
// Conventions (those of the Prometheus documentation, checked by
// `promtool check metrics`): base units (seconds, bytes, bits per second),
// `_total` counters for what only grows, and the per-job label is `id`:
// `job` belongs to Prometheus (the scrape job), which would rename ours.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/job/job_status.hpp"
#include "src/process/self_usage.hpp"

namespace ffleet {

struct MetricsInput {
  std::vector<JobStatus> jobs;           // in the order to print them
  std::optional<ProcessUsage> self;      // the daemon's process_* metrics; left out when absent
  std::string_view version;              // ffleet_build_info{version}
};

// Every metric family once, with its HELP and TYPE lines. The live figures
// of a run (fps, speed, bitrate) appear only for a job in state running: a
// stopped job has no fps, and an old figure would read as a live one.
std::string format_metrics(const MetricsInput& in);

// A label value with backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

// A sample value: integers without a fraction, NaN and infinities as
// Prometheus spells them.
std::string format_sample_value(double value);

}  // namespace ffleet

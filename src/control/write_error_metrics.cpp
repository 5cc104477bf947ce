#include "src/control/write_error_metrics.hpp"

#include <fmt/format.h>

#include "src/control/metrics_format.hpp"

namespace ffleet {

std::string format_write_error_metrics(const WriteErrorCounts& counts, const std::vector<JobStatus>& jobs) {
  std::string out;
  auto family = [&](const char* name, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
  };
  family("ffleet_events_write_errors_total", "Failed writes to the --events file (the first one is logged).");
  out += fmt::format("ffleet_events_write_errors_total {}\n", counts.events);
  family("ffleet_log_write_errors_total", "Failed writes to jobs' log files (the first one per file is logged).");
  out += fmt::format("ffleet_log_write_errors_total {}\n", counts.logs);
  family("ffleet_job_log_file_dropped_lines_total",
         "Lines left out of the job's log_file because they came faster than the disk took them.");
  for (auto& j : jobs)
    out += fmt::format("ffleet_job_log_file_dropped_lines_total{{id=\"{}\"}} {}\n", escape_label_value(j.id),
                       j.log_file_dropped_lines);
  return out;
}

}  // namespace ffleet

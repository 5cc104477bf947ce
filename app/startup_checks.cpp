#include "app/startup_checks.hpp"

#include "src/job/log_file.hpp"

namespace ffleet {

std::vector<std::string> check_log_files(const FleetSpec& fleet) {
  std::vector<std::string> problems;
  for (auto& job : fleet.jobs) {
    if (job.log_file.empty()) continue;
    RotatingLogFile file(job.log_file, job.log_max_size, job.log_keep);
    if (auto error = file.open(); !error.empty()) problems.push_back("job " + job.id + ": " + error);
  }
  return problems;
}

}  // namespace ffleet

#include "app/startup_checks.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "src/job/log_file.hpp"

namespace ffleet {

std::vector<std::string> check_output_files(const std::string& events_path, const FleetSpec& fleet) {
  std::vector<std::string> problems;
  if (!events_path.empty() && events_path != "-") {
    if (std::FILE* f = std::fopen(events_path.c_str(), "ae")) std::fclose(f);
    else problems.push_back("cannot open the events file " + events_path + ": " + std::strerror(errno));
  }
  for (auto& job : fleet.jobs) {
    if (job.log_file.empty()) continue;
    RotatingLogFile file(job.log_file, job.log_max_size, job.log_keep);
    if (auto error = file.open(); !error.empty()) problems.push_back("job " + job.id + ": " + error);
  }
  return problems;
}

}  // namespace ffleet

#include "src/job/log_file_budget.hpp"

#include <string>

namespace ffleet {

std::optional<LogFileBudget::Batch> LogFileBudget::admit(const std::vector<LogEntry>& lines, WallTime now) {
  if (lines.empty()) return std::nullopt;
  uint64_t bytes = 0;
  for (auto& line : lines) bytes += line.text.size() + 29;  // + time stamp, space and newline
  if (in_flight_ + bytes > max_in_flight_) {
    skipped_ += lines.size();
    dropped_ += lines.size();
    return std::nullopt;
  }
  Batch batch;
  batch.lines.reserve(lines.size() + 1);
  if (skipped_ > 0) {
    batch.lines.push_back(LogEntry{now, "ffleet: " + std::to_string(skipped_) +
                                            " lines are missing here: they came faster than the disk took them"});
    skipped_ = 0;
  }
  batch.lines.insert(batch.lines.end(), lines.begin(), lines.end());
  batch.bytes = bytes;
  in_flight_ += bytes;
  return batch;
}

}  // namespace ffleet

#include "src/job/run_report.hpp"

#include "src/util/utf8.hpp"

namespace ffleet {

namespace {
template <class T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace

void to_json(nlohmann::json& j, const ResourceStats& s) {
  j = nlohmann::json{{"cpu_max", s.cpu_max},
                     {"cpu_avg", s.cpu_avg},
                     {"memory_max", s.memory_max},
                     {"memory_avg", s.memory_avg}};
}

void to_json(nlohmann::json& j, const RunReport& r) {
  nlohmann::json prelude = nlohmann::json::array();
  for (const std::string& line : r.prelude) prelude.push_back(valid_utf8(line));
  nlohmann::json log = nlohmann::json::array();
  for (const LogEntry& e : r.log) log.push_back(e);
  j = nlohmann::json{
      {"run", r.run},
      {"started", rfc3339(r.started)},
      {"ended", rfc3339(r.ended)},
      {"runtime_s", std::chrono::duration<double>(r.ended - r.started).count()},
      {"exit_state", r.exit_state},
      {"exit_code", or_null(r.exit_code)},
      {"signal", or_null(r.signal)},
      {"reason", valid_utf8(r.reason)},
      {"last_progress", or_null(r.last_progress)},
      {"prelude", std::move(prelude)},
      {"log", std::move(log)},
      {"levels", r.levels},
      {"usage", r.usage},
  };
}

ReportHistory::ReportHistory(size_t capacity) : capacity_(capacity) {}

void ReportHistory::push(RunReport report) {
  if (capacity_ == 0) return;
  if (reports_.size() == capacity_) reports_.pop_front();
  reports_.push_back(std::move(report));
}

}  // namespace ffleet

#include "src/job/job_status.hpp"

#include "src/util/time_format.hpp"
#include "src/util/utf8.hpp"

namespace ffleet {

void to_json(nlohmann::json& j, const JobStatus& s) {
  nlohmann::json states = nlohmann::json::object();
  for (State st : all_states) states[std::string(to_string(st))] = s.states[st];
  j = nlohmann::json{
      {"id", s.id},
      {"state", std::string(to_string(s.state))},
      {"order", std::string(to_string(s.order))},
      {"pid", s.pid ? nlohmann::json(*s.pid) : nlohmann::json(nullptr)},
      {"run", s.run},
      {"since", rfc3339(s.since)},
      {"duration_s", s.duration_s},
      {"states", states},
      {"reconnect_in_s", s.reconnect_in_s ? nlohmann::json(*s.reconnect_in_s) : nlohmann::json(nullptr)},
      {"gave_up", s.gave_up},
      {"cpu_percent", s.cpu_percent},
      {"memory_bytes", s.memory_bytes},
      {"progress", s.progress ? nlohmann::json(*s.progress) : nlohmann::json(nullptr)},
      {"last_line", valid_utf8(s.last_line)},  // ffmpeg output is not always UTF-8
      {"uptime_s", s.uptime_s},
      {"restarts", s.restarts},
      {"stale_kills", s.stale_kills},
      {"limit_kills", s.limit_kills},
      {"gave_up_reason", s.gave_up_reason},
      {"cpu_seconds_total", s.cpu_seconds_total},
      {"frames_total", s.frames_total},
      {"exit_code", s.exit_code ? nlohmann::json(*s.exit_code) : nlohmann::json(nullptr)},
      {"exit_signal", s.exit_signal ? nlohmann::json(*s.exit_signal) : nlohmann::json(nullptr)},
      {"log_file_dropped_lines", s.log_file_dropped_lines},
  };
}

}  // namespace ffleet

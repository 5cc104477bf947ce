#include "src/util/logging.hpp"

#include <atomic>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>

#include "src/util/printable.hpp"
#include "src/util/time_format.hpp"

namespace ffleet {

namespace {
// Written once by setup_logging before any other thread exists.
LogFormat g_format = LogFormat::text;
}  // namespace

void setup_logging(spdlog::level::level_enum level, LogFormat format) {
  g_format = format;
  auto logger = spdlog::stderr_logger_mt("ffleet");
  // JSON lines are complete objects built by log_line; the pattern adds nothing.
  logger->set_pattern(format == LogFormat::json ? "%v" : "%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ %v",
                      spdlog::pattern_time_type::utc);
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void log_line(spdlog::level::level_enum level, std::string_view job, std::string_view message) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  if (g_format == LogFormat::json) {
    nlohmann::json j{{"ts", rfc3339(std::chrono::system_clock::now())},
                     {"level", spdlog::level::to_string_view(level).data()},
                     {"msg", message}};
    if (!job.empty()) j["job"] = job;
    logger->log(level, "{}", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (job.empty()) {
    // A text log is one event a line: a newline in a job's output, an id or a
    // request must not forge the next line, nor an escape sequence rewrite
    // the terminal of whoever reads the log.
    logger->log(level, "{}", escape_controls(message));
  } else {
    logger->log(level, "[{}] {}", escape_controls(job), escape_controls(message));
  }
}

std::string exception_text(std::exception_ptr e, const std::string& fallback) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
  }
  return fallback;
}

}  // namespace ffleet

// ffleet's own log: spdlog to stderr, as text or as JSON lines, each line
// tagged with the job it is about (empty for fleet-wide lines).
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace ffleet {

enum class LogFormat { text, json };

// Configures the default logger; call once at start-up, before any thread.
void setup_logging(spdlog::level::level_enum level, LogFormat format);

// One log line about `job` (may be empty). In the text format control
// characters of both are escaped (escape_controls); JSON escapes its own.
void log_line(spdlog::level::level_enum level, std::string_view job, std::string_view message);

inline void log_info(std::string_view job, std::string_view msg) { log_line(spdlog::level::info, job, msg); }
inline void log_warn(std::string_view job, std::string_view msg) { log_line(spdlog::level::warn, job, msg); }
inline void log_error(std::string_view job, std::string_view msg) { log_line(spdlog::level::err, job, msg); }
inline void log_debug(std::string_view job, std::string_view msg) { log_line(spdlog::level::debug, job, msg); }

// The what() of a caught exception, for the log; `fallback` when it is not a
// std::exception.
std::string exception_text(std::exception_ptr e, const std::string& fallback);

}  // namespace ffleet

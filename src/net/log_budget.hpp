// A cap on how many warnings per second a server writes about hostile
// traffic: every refusal leaves a trace, but a flood of bad connections must
// not turn into a flood of log lines (disk, terminal, log shipper). Lines
// over the budget are counted and reported as one line the next second.
// One thread only (each server's event loop owns one).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "src/util/logging.hpp"

namespace ffleet {

class LogBudget {
 public:
  LogBudget(std::string what, size_t lines_per_second) : what_(std::move(what)), per_second_(lines_per_second) {}

  void warn(const std::string& line) {
    roll();
    if (used_ < per_second_) {
      ++used_;
      log_warn("", line);
    } else {
      ++suppressed_;
    }
  }

  // Call now and then (the event loop's tick) so the count comes out even
  // when no further refusal happens.
  void roll() {
    auto now = std::chrono::steady_clock::now();
    if (now - window_ < std::chrono::seconds(1)) return;
    if (suppressed_ > 0)
      log_warn("", what_ + ": " + std::to_string(suppressed_) + " more refusals in the last second, not logged one by one");
    window_ = now;
    used_ = 0;
    suppressed_ = 0;
  }

 private:
  std::string what_;
  size_t per_second_;
  std::chrono::steady_clock::time_point window_{};
  size_t used_ = 0;
  size_t suppressed_ = 0;
};

}  // namespace ffleet

// Collects the errors of one load. The loader goes on after an error so that
// the operator sees every mistake in one pass, not one per attempt.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/mark.h>

#include "config/config_error.hpp"
#include "config/source_pos.hpp"

namespace ffleet {

class Diagnostics {
 public:
  // Keeps the first `max_kept` errors found and counts the others.
  explicit Diagnostics(std::string file, size_t max_kept = 100)
      : file_(std::move(file)), max_kept_(max_kept) {}

  const std::string& file() const { return file_; }

  // yaml-cpp marks are 0-based; positions shown to people are 1-based.
  SourcePos pos(const YAML::Mark& mark) const;

  void error(const YAML::Mark& at, std::string message);
  // An error that ends reading (a limit reached): kept even when the others
  // are no longer, since it explains why the rest was not read.
  void fatal(const YAML::Mark& at, std::string message);
  size_t count() const { return errors_.size() + dropped_; }

  // The errors kept, in file order (by line, then column; ties keep the
  // order they were found in), so output reads top to bottom; then, if
  // some were not kept, one more "and N more errors" without a line.
  std::vector<ConfigError> take_sorted();

 private:
  std::string file_;
  size_t max_kept_;
  size_t dropped_ = 0;
  std::vector<ConfigError> errors_;
};

}  // namespace ffleet

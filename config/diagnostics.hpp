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
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  // yaml-cpp marks are 0-based; positions shown to people are 1-based.
  SourcePos pos(const YAML::Mark& mark) const;

  void error(const YAML::Mark& at, std::string message);
  size_t count() const { return errors_.size(); }

  // The errors in file order (by line, then column; ties keep the order
  // they were found in), so output reads top to bottom.
  std::vector<ConfigError> take_sorted();

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

}  // namespace ffleet

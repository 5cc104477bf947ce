#include "config/diagnostics.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace ffleet {

SourcePos Diagnostics::pos(const YAML::Mark& mark) const {
  if (mark.is_null()) return SourcePos{file_, 0, 0};
  return SourcePos{file_, mark.line + 1, mark.column + 1};
}

void Diagnostics::error(const YAML::Mark& at, std::string message) {
  if (errors_.size() >= max_kept_) {
    ++dropped_;
    return;
  }
  SourcePos p = pos(at);
  errors_.push_back(ConfigError{file_, p.line, p.col, std::move(message)});
}

void Diagnostics::fatal(const YAML::Mark& at, std::string message) {
  SourcePos p = pos(at);
  errors_.push_back(ConfigError{file_, p.line, p.col, std::move(message)});
}

std::vector<ConfigError> Diagnostics::take_sorted() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.line, a.col) < std::tie(b.line, b.col);
  });
  if (dropped_ > 0)
    errors_.push_back(ConfigError{file_, 0, 0, "and " + std::to_string(dropped_) + " more error" +
                                                   (dropped_ == 1 ? "" : "s") + " (not shown)"});
  dropped_ = 0;
  return std::move(errors_);
}

}  // namespace ffleet

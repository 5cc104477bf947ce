// A first, cheap pass over a job file's YAML events, before any node is
// built: it bounds what building and reading the nodes could cost.
//
// yaml-cpp builds every node of a document in memory, follows an alias to
// the whole anchored node each time it is read, and, asked for all the
// documents of some broken inputs (a lone ","), returns empty documents
// forever. This pass sees only events, keeps a few counters, and stops at
// the first of:
//  - a second document (a job file is one document), or text that does not
//    continue the first one;
//  - collections nested deeper than LoadLimits::max_depth;
//  - more than LoadLimits::max_nodes nodes;
//  - more than LoadLimits::max_expanded_bytes once aliases are spelled out;
//  - a YAML syntax error.
#pragma once

#include <optional>
#include <string>

#include <yaml-cpp/mark.h>

#include "config/load_limits.hpp"

namespace ffleet {

struct ShapeProblem {
  YAML::Mark at;
  std::string message;
};

struct ShapeCheck {
  bool has_document = false;            // false: empty, or only comments
  std::optional<ShapeProblem> problem;  // nullopt: at most one document, within the limits
};

ShapeCheck check_yaml_shape(const std::string& text, const LoadLimits& limits);

// "4 MiB", "512 KiB", "100 bytes": how messages and docs state a limit.
std::string format_limit_bytes(size_t bytes);

}  // namespace ffleet

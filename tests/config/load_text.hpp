// Helpers for loader tests: YAML written inline, errors compared as the
// exact lines `ffleet validate` would print.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/loader.hpp"

namespace ffleet_test {

inline ffleet::LoadResult load(const std::string& text) {
  return ffleet::load_job_text(text, "jobs.yaml");
}

// The fleet of a file that must load; fails the test with its errors otherwise.
inline ffleet::FleetSpec fleet_of(const std::string& text) {
  ffleet::LoadResult result = load(text);
  std::string errors;
  for (const auto& e : result.errors) errors += e.to_string() + "\n";
  INFO(errors);
  REQUIRE(result.ok());
  REQUIRE(result.errors.empty());
  return *result.fleet;
}

// The single job of a file that must load.
inline ffleet::JobSpec job_of(const std::string& text) {
  ffleet::FleetSpec fleet = fleet_of(text);
  REQUIRE(fleet.jobs.size() == 1);
  return fleet.jobs.front();
}

// The errors of a file that must not load, as printed lines.
inline std::vector<std::string> errors_of(const std::string& text) {
  ffleet::LoadResult result = load(text);
  REQUIRE_FALSE(result.ok());
  REQUIRE_FALSE(result.fleet.has_value());
  std::vector<std::string> lines;
  for (const auto& e : result.errors) lines.push_back(e.to_string());
  return lines;
}

using Lines = std::vector<std::string>;

}  // namespace ffleet_test

// Error lists print one a line, as `ffleet validate` shows them, so a failed
// comparison reads like a diff.
namespace Catch {
template <>
struct StringMaker<std::vector<std::string>> {
  static std::string convert(const std::vector<std::string>& lines) {
    std::string out = "\n";
    for (const auto& line : lines) out += "  " + line + "\n";
    return out;
  }
};
}  // namespace Catch

// Loading a job file (docs/job-file.md) into a FleetSpec.
//
// The loader reports every problem it finds, not just the first, each as
// FILE:LINE:COL: message at the offending node; and it is all or nothing: a
// file with any error gives no fleet, so a reload never applies half a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/job_spec.hpp"
#include "config/load_limits.hpp"

namespace ffleet {

struct LoadResult {
  std::optional<FleetSpec> fleet;   // set exactly when errors is empty
  std::vector<ConfigError> errors;  // in file order

  bool ok() const { return fleet.has_value(); }
};

// Most jobs one entry may expand into with `instances`.
inline constexpr uint64_t max_instances = 1000;

// An unreadable file gives one error without a line ("FILE: cannot read: ...").
// Reads at most limits.max_file_bytes + 1 bytes.
LoadResult load_job_file(const std::string& path, const LoadLimits& limits = {});

// The one way to turn job-file text into a fleet (validate, start-up, reload
// and cluster apply all end here), bounded by `limits` whatever the text:
// this is the entry point to fuzz. `file_name` is only used in messages and
// as FleetSpec::path.
LoadResult load_job_text(const std::string& text, const std::string& file_name, const LoadLimits& limits = {});

// The bytes of text a job holds (id, binary, args, env, inherit_env, cwd),
// what LoadLimits::max_job_bytes and max_fleet_bytes count.
size_t spec_text_bytes(const JobSpec& spec);

}  // namespace ffleet

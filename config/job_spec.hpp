// The model of a job file once loaded: plain values with every default
// applied, every placeholder expanded and every instance spelled out. Nothing
// here knows about YAML; the loader builds these, the fleet runs them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/source_pos.hpp"
#include "config/values.hpp"
#include "src/job/restart_policy.hpp"

namespace ffleet {

// Growing restart delays: reconnect_delay * factor^n, capped at max, back to
// reconnect_delay once a run lasted reset_after; each delay spread by
// +-jitter (a fraction).
// The built-in values are the restart policy's (restart_policy.hpp).
struct Backoff {
  Duration max = RestartSettings{}.backoff_max;
  double factor = RestartSettings{}.backoff_factor;
  Duration reset_after = RestartSettings{}.backoff_reset_after;
  double jitter = RestartSettings{}.backoff_jitter;

  bool operator==(const Backoff& other) const;
  bool operator!=(const Backoff& other) const { return !(*this == other); }
};

// Resource limits of the job's whole process tree. 0 = off.
struct Limits {
  double cpu = 0;        // percent of one core (100 = one full core)
  uint64_t memory = 0;   // resident bytes
  Duration duration = Duration(0);  // how long a limit must be exceeded before the kill

  bool operator==(const Limits& other) const;
  bool operator!=(const Limits& other) const { return !(*this == other); }
};

struct JobSpec {
  std::string id;
  std::string binary = "ffmpeg";
  std::vector<std::string> args;  // the final argument vector (structured form already expanded)
  bool autostart = true;
  bool reconnect = true;
  Duration reconnect_delay = RestartSettings{}.reconnect_delay;
  std::optional<Backoff> backoff;  // absent: the fixed reconnect_delay
  uint32_t max_restarts = RestartSettings{}.max_restarts;  // 0 = never give up
  Duration restart_window = RestartSettings{}.restart_window;
  Duration stale_timeout{0};  // 0 = off
  Duration stop_timeout = std::chrono::seconds(5);
  Duration timeout{0};  // 0 = off
  Limits limits;
  std::map<std::string, std::string> env;  // the child's whole environment besides inherit_env
  std::vector<std::string> inherit_env;    // names copied from the daemon's environment
  std::string cwd;                         // empty = the daemon's
  size_t log_lines = 100;
  size_t history = 5;
  // Where the job may run in a cluster (a single node ignores both): only
  // on the node of this name ("" = any), only on nodes with every one of
  // these labels. Not part of operator==: moving a job is the cluster's
  // business, a single node must not restart a job for it.
  std::string node;
  std::map<std::string, std::string> node_labels;
  // The job's output as a file of its own ({id}/{index} expanded); empty =
  // none. Rotated when it would pass log_max_size (0 = never): the file
  // becomes FILE.1, FILE.1 becomes FILE.2, ... and FILE.<log_keep> is gone.
  std::string log_file;
  uint64_t log_max_size = 10 * 1024 * 1024;
  size_t log_keep = 5;
  SourcePos pos;  // where the job was declared, for messages

  // Compares the definition, not pos: reload restarts a job only when what it
  // would run changed, not when an edit above it moved it down a line.
  bool operator==(const JobSpec& other) const;
  bool operator!=(const JobSpec& other) const { return !(*this == other); }
};

// The job's restart fields, for its RestartPolicy.
RestartSettings restart_settings(const JobSpec& spec);

// Same definition and same placement constraints.
bool same_job_and_placement(const JobSpec& a, const JobSpec& b);

struct FleetSpec {
  std::string path;  // the file it was loaded from
  std::vector<JobSpec> jobs;  // in file order, instances expanded
};

}  // namespace ffleet

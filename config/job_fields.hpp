// What one YAML map - a job entry or the `defaults:` - says, before merging.
// Every field is optional so that merging can tell "not given" from "given
// as the built-in default": a job that writes `reconnect_delay: 5s` must win
// over defaults' `reconnect_delay: 2s` even though 5s is the built-in value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/diagnostics.hpp"
#include "config/job_spec.hpp"
#include "config/values.hpp"

namespace ffleet {

// One ffmpeg input or output of the structured command form.
struct Endpoint {
  std::string address;
  std::vector<std::string> options;
};

struct BackoffFields {
  std::optional<bool> enabled;  // `backoff: false` turns off one given in defaults
  std::optional<Duration> max;
  std::optional<double> factor;
  std::optional<Duration> reset_after;
  std::optional<double> jitter;
};

struct LimitsFields {
  std::optional<double> cpu;
  std::optional<uint64_t> memory;
  std::optional<Duration> duration;
};

struct JobFields {
  std::optional<std::string> binary;
  std::optional<std::vector<std::string>> args;
  std::optional<std::vector<std::string>> options;
  std::optional<std::vector<Endpoint>> inputs;
  std::optional<std::vector<Endpoint>> outputs;
  std::optional<bool> autostart;
  std::optional<bool> reconnect;
  std::optional<Duration> reconnect_delay;
  BackoffFields backoff;
  std::optional<uint32_t> max_restarts;
  std::optional<Duration> restart_window;
  std::optional<Duration> stale_timeout;
  std::optional<Duration> stop_timeout;
  std::optional<Duration> timeout;
  LimitsFields limits;
  std::map<std::string, std::string> env;
  std::optional<std::vector<std::string>> inherit_env;
  std::optional<std::string> cwd;
  std::optional<size_t> log_lines;
  std::optional<size_t> history;
  std::optional<std::string> node;
  std::optional<std::map<std::string, std::string>> node_labels;
  std::optional<std::string> log_file;
  std::optional<uint64_t> log_max_size;
  std::optional<size_t> log_keep;

  // A command is `args` (even empty: the binary may need none) or at least
  // one input or output; global `options` alone run nothing.
  bool has_command() const;
};

// The job fields that are one value each: optional in JobFields (given or
// not), plain in JobSpec under the same name. Merging the defaults and making
// the JobSpec walk this list, so a new field of that kind is added here once
// (and to the two structs and the reader). Calls f(&JobFields::x, &JobSpec::x).
template <typename F>
void for_each_plain_field(F&& f) {
  f(&JobFields::binary, &JobSpec::binary);
  f(&JobFields::autostart, &JobSpec::autostart);
  f(&JobFields::reconnect, &JobSpec::reconnect);
  f(&JobFields::reconnect_delay, &JobSpec::reconnect_delay);
  f(&JobFields::max_restarts, &JobSpec::max_restarts);
  f(&JobFields::restart_window, &JobSpec::restart_window);
  f(&JobFields::stale_timeout, &JobSpec::stale_timeout);
  f(&JobFields::stop_timeout, &JobSpec::stop_timeout);
  f(&JobFields::timeout, &JobSpec::timeout);
  f(&JobFields::inherit_env, &JobSpec::inherit_env);
  f(&JobFields::cwd, &JobSpec::cwd);
  f(&JobFields::log_lines, &JobSpec::log_lines);
  f(&JobFields::history, &JobSpec::history);
  f(&JobFields::node, &JobSpec::node);
  f(&JobFields::node_labels, &JobSpec::node_labels);
  f(&JobFields::log_file, &JobSpec::log_file);
  f(&JobFields::log_max_size, &JobSpec::log_max_size);
  f(&JobFields::log_keep, &JobSpec::log_keep);
}

// Upper bounds that keep a typo from making the daemon allocate the moon.
// The lower bound of both is 1: the job keeps at least the last line and
// the last report, so 0 would not mean what it says.
inline constexpr size_t max_log_lines = 1000000;
inline constexpr size_t max_history = 10000;
// Rotated log files kept; 0 = none (the file is cut when it is full).
inline constexpr size_t max_log_keep = 1000;

// Reads the job fields of `map`, reporting every problem. `owner` names the
// map in messages: `job "cam-1"`, `job #3` (no valid id), or `defaults`.
// `id` and `instances` are the caller's to read; in the defaults they are
// reported as not allowed.
JobFields read_job_fields(const YAML::Node& map, const std::string& owner, bool is_defaults,
                          Diagnostics& diag);

// The job's fields over the defaults: the job wins field by field. `env`,
// `backoff` and `limits` merge key by key (a job adding one variable keeps
// the others). The command is one unit: a job giving `args` ignores the
// defaults' command; a job giving any of options/inputs/outputs takes the
// ones it lacks from the defaults' structured form; a job giving none of
// them takes the defaults' command as it is.
JobFields merge(const JobFields& defaults, const JobFields& job);

// The spec with built-in defaults for everything not given and the
// structured form expanded into args. id, pos and placeholders are left to
// the caller.
JobSpec to_job_spec(const JobFields& fields);

// options..., then per input: its options..., -i, address, then per
// output: its options..., address.
std::vector<std::string> expand_command(const std::vector<std::string>& options,
                                        const std::vector<Endpoint>& inputs,
                                        const std::vector<Endpoint>& outputs);

}  // namespace ffleet

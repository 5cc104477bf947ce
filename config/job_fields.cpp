#include "config/job_fields.hpp"

#include <limits>

#include "config/job_id.hpp"
#include "config/yaml_fields.hpp"

namespace ffleet {

namespace {

// The keys of a job entry; the defaults know them too, so that `id` there
// gets "cannot be set in defaults" instead of "unknown key".
const std::vector<std::string_view> job_keys = {
    "id", "instances", "binary", "args", "options", "inputs", "outputs",
    "autostart", "reconnect", "reconnect_delay", "backoff", "max_restarts",
    "restart_window", "stale_timeout", "stop_timeout", "timeout", "limits",
    "env", "inherit_env", "cwd", "log_lines", "history", "log_file", "log_max_size", "log_keep",
    "node", "node_labels"};
const std::vector<std::string_view> backoff_keys = {"max", "factor", "reset_after", "jitter"};
const std::vector<std::string_view> limits_keys = {"cpu", "memory", "duration"};
const std::vector<std::string_view> endpoint_keys = {"address", "options"};

bool is_before(const YAML::Mark& a, const YAML::Mark& b) {
  return a.line < b.line || (a.line == b.line && a.column < b.column);
}

// POSIX's portable names: what a shell could export.
bool is_env_name(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

void report_bad_env_name(const YAML::Mark& at, const std::string& name, Diagnostics& diag) {
  diag.error(at, "bad environment variable name " + quote(name) +
                     ": use letters, digits and '_', not starting with a digit");
}

void read_backoff(const Entry& e, const std::string& owner, BackoffFields& out, Diagnostics& diag) {
  bool enabled = false;
  if (e.value.IsScalar() && YAML::convert<bool>::decode(e.value, enabled)) {
    out.enabled = enabled;  // true: the built-in backoff; false: none
    return;
  }
  if (!e.value.IsMap()) {
    diag.error(e.at(), "\"backoff\" must be a map, true or false, got " + describe(e.value));
    return;
  }
  out.enabled = true;
  for_each_entry(e.value, backoff_keys, "in backoff of " + owner, diag, [&](const Entry& f) {
    if (f.key == "max") {
      out.max = read_duration(f, diag);
    } else if (f.key == "reset_after") {
      out.reset_after = read_duration(f, diag);
    } else if (f.key == "factor") {
      out.factor = read_number(f, diag);
      if (out.factor && *out.factor < 1) {
        diag.error(f.at(), "\"factor\" must be at least 1, got " + describe(f.value));
        out.factor.reset();
      }
    } else if (f.key == "jitter") {
      out.jitter = read_number(f, diag);
      if (out.jitter && *out.jitter >= 1) {
        diag.error(f.at(), "\"jitter\" must be less than 1, got " + describe(f.value));
        out.jitter.reset();
      }
    }
  });
}

void read_limits(const Entry& e, const std::string& owner, LimitsFields& out, Diagnostics& diag) {
  if (e.value.IsNull()) return;
  if (!e.value.IsMap()) {
    diag.error(e.at(), "\"limits\" must be a map, got " + describe(e.value));
    return;
  }
  for_each_entry(e.value, limits_keys, "in limits of " + owner, diag, [&](const Entry& f) {
    if (f.key == "cpu") out.cpu = read_number(f, diag);
    else if (f.key == "memory") out.memory = read_size(f, diag);
    else if (f.key == "duration") out.duration = read_duration(f, diag);
  });
}

// `kind` is "input" or "output".
std::optional<std::vector<Endpoint>> read_endpoints(const Entry& e, const std::string& kind,
                                                    const std::string& owner, Diagnostics& diag) {
  std::vector<Endpoint> endpoints;
  if (e.value.IsNull()) return endpoints;
  if (!e.value.IsSequence()) {
    diag.error(e.at(), quote(e.key) + " must be a list, got " + describe(e.value));
    return std::nullopt;
  }
  size_t number = 0;
  for (const YAML::Node& item : e.value) {
    std::string name = kind + " #" + std::to_string(++number) + " of " + owner;
    YAML::Mark at = item.Mark().is_null() ? e.at() : item.Mark();
    if (!item.IsMap()) {
      diag.error(at, name + " must be a map with \"address\" and \"options\", got " + describe(item));
      continue;
    }
    Endpoint endpoint;
    bool has_address = false;
    for_each_entry(item, endpoint_keys, "in " + name, diag, [&](const Entry& f) {
      if (f.key == "address") {
        has_address = true;
        if (auto address = read_string(f, diag)) {
          if (address->empty()) diag.error(f.at(), "\"address\" must not be empty");
          endpoint.address = *address;
        }
      } else if (f.key == "options") {
        if (auto options = read_string_list(f, diag)) endpoint.options = *options;
      }
    });
    if (!has_address) diag.error(at, name + " has no \"address\"");
    endpoints.push_back(std::move(endpoint));
  }
  return endpoints;
}

void read_env(const Entry& e, const std::string& owner, std::map<std::string, std::string>& out,
              Diagnostics& diag) {
  if (e.value.IsNull()) return;
  if (!e.value.IsMap()) {
    diag.error(e.at(), "\"env\" must be a map of names to values, got " + describe(e.value));
    return;
  }
  for_each_entry(e.value, {}, "in env of " + owner, diag, [&](const Entry& var) {
    if (!is_env_name(var.key)) report_bad_env_name(var.key_node.Mark(), var.key, diag);
    if (var.value.IsNull()) {
      diag.error(var.key_node.Mark(), "env " + quote(var.key) + " has no value (write " + var.key +
                                          ": \"\" for an empty one)");
      return;
    }
    if (auto value = read_string(var, diag)) out[var.key] = *value;
  });
}

// node_labels: a map of label names to the values a node must have.
std::map<std::string, std::string> read_node_labels(const Entry& e, const std::string& owner, Diagnostics& diag) {
  std::map<std::string, std::string> labels;
  if (e.value.IsNull()) return labels;
  if (!e.value.IsMap()) {
    diag.error(e.at(), "\"node_labels\" must be a map of label names to values, got " + describe(e.value));
    return labels;
  }
  for_each_entry(e.value, {}, "in node_labels of " + owner, diag, [&](const Entry& label) {
    if (label.key.empty()) diag.error(label.key_node.Mark(), "a node label needs a name");
    if (auto value = read_string(label, diag)) labels[label.key] = *value;
  });
  return labels;
}

std::optional<std::vector<std::string>> read_inherit_env(const Entry& e, Diagnostics& diag) {
  auto names = read_string_list(e, diag);
  if (!names) return std::nullopt;
  size_t i = 0;
  for (const YAML::Node& item : e.value) {
    const std::string& name = (*names)[i++];
    if (!is_env_name(name)) report_bad_env_name(item.Mark(), name, diag);
  }
  return names;
}

template <typename T>
std::optional<T> narrow(const std::optional<uint64_t>& value) {
  if (!value) return std::nullopt;
  return static_cast<T>(*value);
}

template <typename T>
const std::optional<T>& pick(const std::optional<T>& job, const std::optional<T>& defaults) {
  return job ? job : defaults;
}

template <typename T, typename U>
void assign_if(T& out, const std::optional<U>& value) {
  if (value) out = *value;
}

}  // namespace

bool JobFields::has_command() const {
  return args.has_value() || (inputs && !inputs->empty()) || (outputs && !outputs->empty());
}

JobFields read_job_fields(const YAML::Node& map, const std::string& owner, bool is_defaults,
                          Diagnostics& diag) {
  JobFields f;
  std::optional<Entry> args_entry;        // to report args given with the structured form
  std::optional<Entry> structured_entry;  // the first of options/inputs/outputs
  constexpr uint64_t max_u32 = std::numeric_limits<uint32_t>::max();

  for_each_entry(map, job_keys, "in " + owner, diag, [&](const Entry& e) {
    const std::string& k = e.key;
    if (k == "id" || k == "instances") {
      if (is_defaults) diag.error(e.key_node.Mark(), quote(k) + " cannot be set in defaults");
    } else if (k == "binary") {
      f.binary = read_string(e, diag);
      if (f.binary && f.binary->empty()) diag.error(e.at(), "\"binary\" must not be empty");
    } else if (k == "args") {
      args_entry = e;
      f.args = read_string_list(e, diag);
    } else if (k == "options" || k == "inputs" || k == "outputs") {
      if (!structured_entry) structured_entry = e;
      if (k == "options") f.options = read_string_list(e, diag);
      else if (k == "inputs") f.inputs = read_endpoints(e, "input", owner, diag);
      else f.outputs = read_endpoints(e, "output", owner, diag);
    } else if (k == "autostart") {
      f.autostart = read_bool(e, diag);
    } else if (k == "reconnect") {
      f.reconnect = read_bool(e, diag);
    } else if (k == "reconnect_delay") {
      f.reconnect_delay = read_duration(e, diag);
    } else if (k == "backoff") {
      read_backoff(e, owner, f.backoff, diag);
    } else if (k == "max_restarts") {
      f.max_restarts = narrow<uint32_t>(read_count(e, 0, max_u32, diag));
    } else if (k == "restart_window") {
      f.restart_window = read_duration(e, diag);
    } else if (k == "stale_timeout") {
      f.stale_timeout = read_duration(e, diag);
    } else if (k == "stop_timeout") {
      f.stop_timeout = read_duration(e, diag);
    } else if (k == "timeout") {
      f.timeout = read_duration(e, diag);
    } else if (k == "limits") {
      read_limits(e, owner, f.limits, diag);
    } else if (k == "env") {
      read_env(e, owner, f.env, diag);
    } else if (k == "inherit_env") {
      f.inherit_env = read_inherit_env(e, diag);
    } else if (k == "cwd") {
      f.cwd = read_string(e, diag);
    } else if (k == "log_lines") {
      f.log_lines = narrow<size_t>(read_count(e, 1, max_log_lines, diag));
    } else if (k == "history") {
      f.history = narrow<size_t>(read_count(e, 1, max_history, diag));
    } else if (k == "node") {
      f.node = read_string(e, diag);
      if (f.node) {
        if (auto problem = job_id_problem(*f.node)) diag.error(e.at(), "bad node name: " + *problem);
      }
    } else if (k == "node_labels") {
      f.node_labels = read_node_labels(e, owner, diag);
    } else if (k == "log_file") {
      f.log_file = read_string(e, diag);
      if (f.log_file && f.log_file->empty()) diag.error(e.at(), "\"log_file\" must not be empty (leave it out for none)");
      if (f.log_file && !f.log_file->empty() && f.log_file->back() == '/')
        diag.error(e.at(), "\"log_file\" names a folder: give a file name, e.g. " +
                               quote(*f.log_file + "{id}.log"));
    } else if (k == "log_max_size") {
      f.log_max_size = read_size(e, diag);
    } else if (k == "log_keep") {
      f.log_keep = narrow<size_t>(read_count(e, 0, max_log_keep, diag));
    }
  });

  if (args_entry && structured_entry) {
    // Shown at whichever came second: reading down, that is where it went wrong.
    const Entry& later = is_before(args_entry->key_node.Mark(), structured_entry->key_node.Mark())
                             ? *structured_entry : *args_entry;
    diag.error(later.key_node.Mark(), "both \"args\" and " + quote(structured_entry->key) + " in " +
                                          owner + ": use one form or the other");
  }
  return f;
}

JobFields merge(const JobFields& defaults, const JobFields& job) {
  JobFields m;
  for_each_plain_field([&](auto field, auto) { m.*field = pick(job.*field, defaults.*field); });

  bool job_structured = job.options || job.inputs || job.outputs;
  if (job.args) {
    m.args = job.args;
  } else if (job_structured) {
    m.options = pick(job.options, defaults.options);
    m.inputs = pick(job.inputs, defaults.inputs);
    m.outputs = pick(job.outputs, defaults.outputs);
  } else {
    m.args = defaults.args;
    m.options = defaults.options;
    m.inputs = defaults.inputs;
    m.outputs = defaults.outputs;
  }

  if (job.backoff.enabled == false) {
    m.backoff.enabled = false;
  } else if (job.backoff.enabled == true) {
    // Only a map sets the sub-fields, so a defaults' `backoff: false` adds none.
    m.backoff.enabled = true;
    m.backoff.max = pick(job.backoff.max, defaults.backoff.max);
    m.backoff.factor = pick(job.backoff.factor, defaults.backoff.factor);
    m.backoff.reset_after = pick(job.backoff.reset_after, defaults.backoff.reset_after);
    m.backoff.jitter = pick(job.backoff.jitter, defaults.backoff.jitter);
  } else {
    m.backoff = defaults.backoff;
  }

  m.limits.cpu = pick(job.limits.cpu, defaults.limits.cpu);
  m.limits.memory = pick(job.limits.memory, defaults.limits.memory);
  m.limits.duration = pick(job.limits.duration, defaults.limits.duration);
  m.env = defaults.env;
  for (const auto& [name, value] : job.env) m.env[name] = value;
  return m;
}

std::vector<std::string> expand_command(const std::vector<std::string>& options,
                                        const std::vector<Endpoint>& inputs,
                                        const std::vector<Endpoint>& outputs) {
  std::vector<std::string> args = options;
  for (const Endpoint& input : inputs) {
    args.insert(args.end(), input.options.begin(), input.options.end());
    args.push_back("-i");
    args.push_back(input.address);
  }
  for (const Endpoint& output : outputs) {
    args.insert(args.end(), output.options.begin(), output.options.end());
    args.push_back(output.address);
  }
  return args;
}

JobSpec to_job_spec(const JobFields& f) {
  JobSpec s;  // its member initializers are the built-in defaults
  for_each_plain_field([&](auto from, auto to) { assign_if(s.*to, f.*from); });
  if (f.args) {
    s.args = *f.args;
  } else {
    s.args = expand_command(f.options.value_or(std::vector<std::string>{}),
                            f.inputs.value_or(std::vector<Endpoint>{}),
                            f.outputs.value_or(std::vector<Endpoint>{}));
  }
  if (f.backoff.enabled == true) {
    Backoff b;
    assign_if(b.max, f.backoff.max);
    assign_if(b.factor, f.backoff.factor);
    assign_if(b.reset_after, f.backoff.reset_after);
    assign_if(b.jitter, f.backoff.jitter);
    s.backoff = b;
  }
  assign_if(s.limits.cpu, f.limits.cpu);
  assign_if(s.limits.memory, f.limits.memory);
  assign_if(s.limits.duration, f.limits.duration);
  s.env = f.env;
  return s;
}

}  // namespace ffleet

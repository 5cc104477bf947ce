#include "config/loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <yaml-cpp/yaml.h>

#include "config/diagnostics.hpp"
#include "config/job_fields.hpp"
#include "config/job_id.hpp"
#include "config/placeholders.hpp"
#include "config/yaml_fields.hpp"
#include "config/yaml_shape.hpp"

namespace ffleet {

namespace {

const std::vector<std::string_view> top_level_keys = {"version", "defaults", "jobs"};

// Reads the documents of one file into a fleet, reporting to `diag`.
class FleetReader {
 public:
  FleetReader(Diagnostics& diag, const LoadLimits& limits) : diag_(diag), limits_(limits) {}

  // `root` is the file's one document; undefined when there is none.
  FleetSpec read(const YAML::Node& root);

 private:
  void read_defaults(const Entry& e);
  void read_jobs(const Entry& e);
  void read_job(const YAML::Node& entry, const YAML::Mark& at, size_t number);
  void add_instances(const JobFields& fields, const std::string& id, const Entry& id_entry,
                     uint64_t instances, const YAML::Mark& at);

  Diagnostics& diag_;
  const LoadLimits& limits_;
  bool too_many_jobs_ = false;  // reported once; the jobs after it are not read
  size_t fleet_bytes_ = 0;      // text held by the jobs so far
  JobFields defaults_;
  bool defaults_clean_ = true;
  FleetSpec fleet_;
  std::map<std::string, YAML::Mark> declared_;  // id -> its first declaration
  std::map<std::string, std::string> log_files_;  // log_file -> the job that writes it
};

// The value of the first `key:` in `map`, if any (a repeated key is
// reported by for_each_entry when the map's fields are read).
std::optional<Entry> find_entry(const YAML::Node& map, std::string_view key) {
  for (const auto& pair : map)
    if (pair.first.IsScalar() && pair.first.Scalar() == key) return Entry{std::string(key), pair.first, pair.second};
  return std::nullopt;
}

YAML::Mark mark_or(const YAML::Node& node, const YAML::Mark& fallback) {
  return node.Mark().is_null() ? fallback : node.Mark();
}

FleetSpec FleetReader::read(const YAML::Node& root) {
  fleet_.path = diag_.file();
  if (!root.IsDefined()) {
    diag_.error(YAML::Mark(), "the file is empty: a job file needs \"version: 1\" and \"jobs:\"");
    return fleet_;
  }
  YAML::Mark root_mark = mark_or(root, YAML::Mark());
  if (!root.IsMap()) {
    diag_.error(root_mark, "a job file must be a map with \"version\" and \"jobs\", got " + describe(root));
    return fleet_;
  }

  std::optional<Entry> version, defaults, jobs;
  for_each_entry(root, top_level_keys, "at the top level", diag_, [&](const Entry& e) {
    if (e.key == "version") version = e;
    else if (e.key == "defaults") defaults = e;
    else if (e.key == "jobs") jobs = e;
  });

  if (!version)
    diag_.error(root_mark, "missing \"version\" (add \"version: 1\")");
  else if (!version->value.IsScalar() || version->value.Scalar() != "1")
    diag_.error(version->at(), "\"version\" must be 1, got " + describe(version->value));

  // Before the jobs, wherever it is written: every job merges over it.
  if (defaults) read_defaults(*defaults);

  if (!jobs)
    diag_.error(root_mark, "missing \"jobs\" (a list of jobs; write \"jobs: []\" for none)");
  else
    read_jobs(*jobs);
  return fleet_;
}

void FleetReader::read_defaults(const Entry& e) {
  if (e.value.IsNull()) return;  // every line under it commented out
  size_t errors_before = diag_.count();
  if (!e.value.IsMap())
    diag_.error(e.at(), "\"defaults\" must be a map, got " + describe(e.value));
  else
    defaults_ = read_job_fields(e.value, "defaults", /*is_defaults=*/true, diag_);
  defaults_clean_ = diag_.count() == errors_before;
}

void FleetReader::read_jobs(const Entry& e) {
  if (e.value.IsNull()) return;  // `jobs:` with every entry commented out: no jobs
  if (!e.value.IsSequence()) {
    diag_.error(e.at(), "\"jobs\" must be a list, got " + describe(e.value));
    return;
  }
  size_t number = 0;
  for (const YAML::Node& entry : e.value) {
    if (too_many_jobs_) return;
    read_job(entry, mark_or(entry, e.at()), ++number);
  }
}

void FleetReader::read_job(const YAML::Node& entry, const YAML::Mark& at, size_t number) {
  std::string owner = "job #" + std::to_string(number);
  if (!entry.IsMap()) {
    diag_.error(at, owner + " must be a map with \"id\" and a command, got " + describe(entry));
    return;
  }
  size_t errors_before = diag_.count();

  std::optional<std::string> id;
  std::optional<Entry> id_entry = find_entry(entry, "id");
  if (!id_entry) {
    diag_.error(at, owner + " has no \"id\"");
  } else if (auto text = read_string(*id_entry, diag_)) {
    if (auto problem = job_id_problem(*text)) {
      diag_.error(id_entry->at(), "bad id " + quote(*text) + ": " + *problem);
    } else {
      id = *text;
      owner = "job " + quote(*id);
    }
  }

  uint64_t instances = 1;
  if (std::optional<Entry> e = find_entry(entry, "instances"))
    instances = read_count(*e, 1, max_instances, diag_).value_or(1);

  JobFields fields = merge(defaults_, read_job_fields(entry, owner, /*is_defaults=*/false, diag_));

  // Checks across fields run only on fields that all read fine: a mistyped
  // `args` must not also be reported as "no command".
  if (defaults_clean_ && diag_.count() == errors_before) {
    if (!fields.has_command())
      diag_.error(at, owner + " has no command: give args or inputs/outputs");
    JobSpec spec = to_job_spec(fields);
    if (spec.backoff && spec.backoff->max < spec.reconnect_delay)
      diag_.error(at, "backoff max " + format_duration(spec.backoff->max) +
                          " is shorter than reconnect_delay " + format_duration(spec.reconnect_delay) +
                          " in " + owner);
  }
  if (id) add_instances(fields, *id, *id_entry, instances, at);
}

// Spells out the entry's jobs, checking the ids they get. Runs even when the
// entry has other errors, so duplicate ids are reported in the same pass.
void FleetReader::add_instances(const JobFields& fields, const std::string& id,
                                const Entry& id_entry, uint64_t instances, const YAML::Mark& at) {
  JobSpec base = to_job_spec(fields);
  base.pos = diag_.pos(at);
  // Limits first, before a single copy: `instances: 1000` behind an alias
  // written 2000 times is two million jobs.
  size_t job_bytes = spec_text_bytes(base);
  if (job_bytes > limits_.max_job_bytes) {
    diag_.fatal(at, "job " + quote(id) + " is too large: " + format_limit_bytes(job_bytes) + " of text, more than " +
                        format_limit_bytes(limits_.max_job_bytes) + " (see docs/job-file.md, limits)");
    return;
  }
  if (fleet_.jobs.size() + instances > limits_.max_jobs ||
      fleet_bytes_ + instances * job_bytes > limits_.max_fleet_bytes) {
    bool by_count = fleet_.jobs.size() + instances > limits_.max_jobs;
    diag_.fatal(at, "too many jobs: with job " + quote(id) + " the file has more than " +
                        (by_count ? std::to_string(limits_.max_jobs) + " jobs"
                                  : format_limit_bytes(limits_.max_fleet_bytes) + " of job text") +
                        " (counting instances; see docs/job-file.md, limits); the jobs after it were not read");
    too_many_jobs_ = true;
    return;
  }
  fleet_bytes_ += instances * job_bytes;
  for (uint64_t index = 0; index < instances; ++index) {
    JobSpec spec = base;
    spec.id = instances > 1 ? id + "-" + std::to_string(index) : id;
    if (instances > 1) {
      if (auto problem = job_id_problem(spec.id)) {
        diag_.error(id_entry.at(), "bad id " + quote(spec.id) + " made by \"instances\": " + *problem);
        return;
      }
    }
    auto [first, inserted] = declared_.emplace(spec.id, id_entry.at());
    if (!inserted)
      diag_.error(id_entry.at(), "duplicate id " + quote(spec.id) + " (first declared on line " +
                                     std::to_string(first->second.line + 1) + ")");
    expand_placeholders(spec, static_cast<size_t>(index));
    if (!spec.log_file.empty()) {
      // Two jobs appending to one file would interleave and rotate it twice.
      auto [writer, fresh] = log_files_.emplace(spec.log_file, spec.id);
      if (!fresh && writer->second != spec.id)
        diag_.error(id_entry.at(), "log_file " + quote(spec.log_file) + " of job " + quote(spec.id) +
                                       " is already the log file of job " + quote(writer->second) +
                                       ": put {id} in the path");
    }
    fleet_.jobs.push_back(std::move(spec));
  }
}

}  // namespace

size_t spec_text_bytes(const JobSpec& spec) {
  size_t bytes = spec.id.size() + spec.binary.size() + spec.cwd.size();
  for (const std::string& arg : spec.args) bytes += arg.size() + 1;
  for (const auto& [name, value] : spec.env) bytes += name.size() + value.size() + 2;
  for (const std::string& name : spec.inherit_env) bytes += name.size() + 1;
  return bytes;
}

LoadResult load_job_text(const std::string& text, const std::string& file_name, const LoadLimits& limits) {
  Diagnostics diag(file_name, limits.max_errors);
  FleetSpec fleet;
  // yaml-cpp reports syntax errors (and a few others) by exception; they
  // become ordinary errors, never a crash of the daemon on a bad reload.
  try {
    if (text.size() > limits.max_file_bytes) {
      diag.fatal(YAML::Mark::null_mark(), "larger than " + format_limit_bytes(limits.max_file_bytes) +
                                   ", the limit for a job file (see docs/job-file.md, limits)");
    } else if (ShapeCheck shape = check_yaml_shape(text, limits); shape.problem) {
      diag.fatal(shape.problem->at, shape.problem->message);
    } else {
      // Only the first document: check_yaml_shape made sure it is the only one.
      YAML::Node root = shape.has_document ? YAML::Load(text) : YAML::Node(YAML::NodeType::Undefined);
      fleet = FleetReader(diag, limits).read(root);
    }
  } catch (const YAML::Exception& e) {
    diag.error(e.mark.is_null() ? YAML::Mark() : e.mark, "invalid YAML: " + e.msg);
  } catch (const std::exception& e) {
    diag.error(YAML::Mark(), std::string("cannot load: ") + e.what());
  }
  LoadResult result;
  result.errors = diag.take_sorted();
  if (result.errors.empty()) result.fleet = std::move(fleet);
  return result;
}

LoadResult load_job_file(const std::string& path, const LoadLimits& limits) {
  auto refuse = [&](const std::string& why) {
    LoadResult result;
    result.errors.push_back(ConfigError{path, 0, 0, why});
    return result;
  };
  auto cannot_read = [&](int error) { return refuse(std::string("cannot read: ") + std::strerror(error)); };
  // Non-blocking: opening a FIFO must not hang a reload until a writer comes.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return cannot_read(errno);
  struct stat st{};
  if (fstat(fd, &st) != 0) {
    int error = errno;
    close(fd);
    return cannot_read(error);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return S_ISDIR(st.st_mode) ? cannot_read(EISDIR) : refuse("cannot read: not a regular file");
  }
  // Never more than the limit and one byte, whatever the file claims or grows to.
  std::string text;
  char buffer[65536];
  int read_error = 0;
  while (text.size() <= limits.max_file_bytes) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) text.append(buffer, static_cast<size_t>(n));
    else if (n < 0 && errno == EINTR) continue;
    else {
      read_error = n < 0 ? errno : 0;
      break;
    }
  }
  close(fd);
  if (read_error != 0) return cannot_read(read_error);
  return load_job_text(text, path, limits);
}

}  // namespace ffleet

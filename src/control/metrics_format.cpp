#include "src/control/metrics_format.hpp"

#include <cmath>
#include <functional>

#include <fmt/format.h>

namespace ffleet {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_sample_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Whole numbers (counters, bytes) print without ".0"; 2^53 keeps it exact.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0)
    return fmt::format("{}", static_cast<int64_t>(value));
  return fmt::format("{}", value);  // shortest text that reads back the same
}

namespace {

// Appends one metric family: the HELP and TYPE header, then its samples.
class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    name_ = name;
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }

  // labels: alternating names and (unescaped) values.
  void sample(std::initializer_list<std::string_view> labels, double value) {
    out_ += name_;
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (auto i = labels.begin(); i != labels.end(); i += 2) {
        if (!first) out_ += ',';
        first = false;
        out_ += *i;
        out_ += "=\"";
        out_ += escape_label_value(*(i + 1));
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += format_sample_value(value);
    out_ += '\n';
  }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  std::string name_;
};

using JobValue = std::function<double(const JobStatus&)>;

// A family with one sample per job, labelled job="<id>".
void per_job(Exposition& x, const std::vector<JobStatus>& jobs, const char* name, const char* type,
             const char* help, const JobValue& value) {
  x.family(name, type, help);
  for (auto& j : jobs) x.sample({"job", j.id}, value(j));
}

// The same, only for jobs that have reported progress.
void per_job_progress(Exposition& x, const std::vector<JobStatus>& jobs, const char* name, const char* help,
                      const std::function<double(const Progress&)>& value) {
  x.family(name, "gauge", help);
  for (auto& j : jobs)
    if (j.progress) x.sample({"job", j.id}, value(*j.progress));
}

}  // namespace

std::string format_metrics(const std::vector<JobStatus>& jobs, const std::optional<ProcessUsage>& self) {
  Exposition x;

  x.family("ffleet_job_state", "gauge", "Current state of the job: 1 for the state it is in, 0 for the others.");
  for (auto& j : jobs)
    for (State s : all_states) x.sample({"job", j.id, "state", to_string(s)}, j.state == s ? 1 : 0);

  x.family("ffleet_job_transitions_total", "counter", "Times the job entered each state.");
  for (auto& j : jobs)
    for (State s : all_states) x.sample({"job", j.id, "state", to_string(s)}, static_cast<double>(j.states[s]));

  per_job(x, jobs, "ffleet_job_restarts_total", "counter", "Automatic restarts of the job.",
          [](const JobStatus& j) { return static_cast<double>(j.restarts); });
  per_job(x, jobs, "ffleet_job_cpu_percent", "gauge",
          "CPU use of the job's process tree in percent of one core (100 = one full core).",
          [](const JobStatus& j) { return j.cpu_percent; });
  per_job(x, jobs, "ffleet_job_memory_bytes", "gauge", "Resident memory of the job's process tree in bytes.",
          [](const JobStatus& j) { return static_cast<double>(j.memory_bytes); });
  per_job(x, jobs, "ffleet_job_uptime_seconds", "gauge",
          "Runtime of the job's current process in seconds, 0 when none runs.",
          [](const JobStatus& j) { return j.uptime_s; });
  per_job_progress(x, jobs, "ffleet_job_progress_frames", "Frames written by the current or last run.",
                   [](const Progress& p) { return static_cast<double>(p.frame); });
  per_job_progress(x, jobs, "ffleet_job_progress_fps", "Frames per second, recent average.",
                   [](const Progress& p) { return p.fps; });
  per_job_progress(x, jobs, "ffleet_job_progress_speed", "Media seconds encoded per wall-clock second.",
                   [](const Progress& p) { return p.speed; });
  per_job_progress(x, jobs, "ffleet_job_progress_bitrate_kbps", "Output bitrate in kbit/s, recent average.",
                   [](const Progress& p) { return p.bitrate_kbps; });
  per_job(x, jobs, "ffleet_job_stale_kills_total", "counter",
          "Runs stopped because they made no progress for stale_timeout.",
          [](const JobStatus& j) { return static_cast<double>(j.stale_kills); });
  per_job(x, jobs, "ffleet_job_limit_kills_total", "counter", "Runs killed for exceeding a CPU or memory limit.",
          [](const JobStatus& j) { return static_cast<double>(j.limit_kills); });

  x.family("ffleet_jobs", "gauge", "Jobs in each state.");
  for (State s : all_states) {
    size_t n = 0;
    for (auto& j : jobs) n += j.state == s ? 1 : 0;
    x.sample({"state", to_string(s)}, static_cast<double>(n));
  }

  if (self) {
    x.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
    x.sample({}, self->cpu_seconds);
    x.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    x.sample({}, static_cast<double>(self->resident_bytes));
  }
  return x.take();
}

}  // namespace ffleet

#include "src/control/metrics_format.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <utility>

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

// Label names and (unescaped) values, in print order.
using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// The labels that identify a job's series. The one place they are made: a
// label every job series should carry (a cluster's `node`) is added here.
Labels job_labels(const JobStatus& j) { return {{"id", j.id}}; }

Labels with(Labels labels, std::string_view name, std::string_view value) {
  labels.emplace_back(name, value);
  return labels;
}

// Appends one metric family: the HELP and TYPE header, then its samples.
class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    name_ = name;
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }

  void sample(const Labels& labels, double value) {
    out_ += name_;
    if (!labels.empty()) {
      out_ += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ += labels[i].first;
        out_ += "=\"";
        out_ += escape_label_value(labels[i].second);
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

using JobValue = std::function<std::optional<double>(const JobStatus&)>;

// A family with one sample per job (none for a job whose value is nullopt).
void per_job(Exposition& x, const std::vector<JobStatus>& jobs, const char* name, const char* type,
             const char* help, const JobValue& value) {
  x.family(name, type, help);
  for (auto& j : jobs)
    if (auto v = value(j)) x.sample(job_labels(j), *v);
}

// A live figure of the current run: only while the job is running and has
// reported progress.
JobValue live(double (*figure)(const Progress&)) {
  return [figure](const JobStatus& j) -> std::optional<double> {
    if (j.state != State::running || !j.progress) return std::nullopt;
    return figure(*j.progress);
  };
}

// Microseconds first: a double of Unix nanoseconds would lose the fraction's last digits.
double unix_seconds(std::chrono::system_clock::time_point t) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count()) / 1e6;
}

void job_families(Exposition& x, const std::vector<JobStatus>& jobs) {
  x.family("ffleet_job_state", "gauge", "Current state of the job: 1 for the state it is in, 0 for the others.");
  for (auto& j : jobs)
    for (State s : all_states) x.sample(with(job_labels(j), "state", to_string(s)), j.state == s ? 1 : 0);

  x.family("ffleet_job_order", "gauge",
           "What the operator asked for: 1 for the job's order (start or stop), 0 for the other.");
  for (auto& j : jobs)
    for (Order o : {Order::start, Order::stop}) x.sample(with(job_labels(j), "order", to_string(o)), j.order == o ? 1 : 0);

  x.family("ffleet_job_transitions_total", "counter", "Times the job entered each state.");
  for (auto& j : jobs)
    for (State s : all_states) x.sample(with(job_labels(j), "state", to_string(s)), static_cast<double>(j.states[s]));

  per_job(x, jobs, "ffleet_job_gave_up", "gauge",
          "1 when the job exceeded max_restarts in restart_window and is no longer restarted, else 0.",
          [](const JobStatus& j) { return j.gave_up ? 1.0 : 0.0; });
  per_job(x, jobs, "ffleet_job_restarts_total", "counter", "Automatic restarts of the job.",
          [](const JobStatus& j) { return static_cast<double>(j.restarts); });
  per_job(x, jobs, "ffleet_job_stale_kills_total", "counter",
          "Runs stopped because they made no progress for stale_timeout.",
          [](const JobStatus& j) { return static_cast<double>(j.stale_kills); });
  per_job(x, jobs, "ffleet_job_limit_kills_total", "counter", "Runs killed for exceeding a CPU or memory limit.",
          [](const JobStatus& j) { return static_cast<double>(j.limit_kills); });
  per_job(x, jobs, "ffleet_job_cpu_seconds_total", "counter",
          "CPU time (user + system) of the job's process trees, all runs, in seconds, sampled.",
          [](const JobStatus& j) { return j.cpu_seconds_total; });
  per_job(x, jobs, "ffleet_job_resident_memory_bytes", "gauge",
          "Resident memory of the job's process tree in bytes, 0 when no process runs.",
          [](const JobStatus& j) { return static_cast<double>(j.memory_bytes); });
  per_job(x, jobs, "ffleet_job_start_time_seconds", "gauge",
          "Start time of the job's current process since the Unix epoch in seconds; absent when none runs.",
          [](const JobStatus& j) -> std::optional<double> {
            if (!j.pid || !j.process_started) return std::nullopt;
            return unix_seconds(*j.process_started);
          });
  per_job(x, jobs, "ffleet_job_frames_total", "counter", "Frames written by all runs of the job.",
          [](const JobStatus& j) { return static_cast<double>(j.frames_total); });
  per_job(x, jobs, "ffleet_job_fps", "gauge", "Frames written per second, recent average; only while running.",
          live([](const Progress& p) { return p.fps; }));
  per_job(x, jobs, "ffleet_job_speed_ratio", "gauge",
          "Media seconds written per wall-clock second (1 = real time); only while running.",
          live([](const Progress& p) { return p.speed; }));
  per_job(x, jobs, "ffleet_job_output_bytes_per_second", "gauge",
          "Output bitrate in bytes per media second (x8 for bits), recent; only while running.",
          live([](const Progress& p) { return p.bitrate_kbps * 1000 / 8; }));

  x.family("ffleet_jobs", "gauge", "Jobs in each state.");
  for (State s : all_states) {
    size_t n = 0;
    for (auto& j : jobs) n += j.state == s ? 1 : 0;
    x.sample({{"state", to_string(s)}}, static_cast<double>(n));
  }
}

// The names and meanings every Prometheus client library uses.
void process_families(Exposition& x, const ProcessUsage& self) {
  x.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  x.sample({}, self.cpu_seconds);
  x.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  x.sample({}, static_cast<double>(self.resident_bytes));
  x.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  x.sample({}, static_cast<double>(self.virtual_bytes));
  x.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  x.sample({}, self.start_time_s);
  x.family("process_open_fds", "gauge", "Number of open file descriptors.");
  x.sample({}, static_cast<double>(self.open_fds));
  if (self.max_fds) {
    x.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
    x.sample({}, static_cast<double>(*self.max_fds));
  }
}

}  // namespace

std::string format_metrics(const MetricsInput& in) {
  Exposition x;
  job_families(x, in.jobs);
  x.family("ffleet_build_info", "gauge", "Always 1; the labels tell which ffleet serves these metrics.");
  x.sample({{"version", in.version}}, 1);
  if (in.self) process_families(x, *in.self);
  return x.take();
}

}  // namespace ffleet

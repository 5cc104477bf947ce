#include "src/job/journal.hpp"

#include <algorithm>

namespace ffleet {

JobJournal::JobJournal(size_t log_lines, size_t history)
    : log_(std::max<size_t>(log_lines, 1)), history_(std::max<size_t>(history, 1)) {}

void JobJournal::resize(size_t log_lines, size_t history) {
  log_.set_capacity(std::max<size_t>(log_lines, 1));  // keeps the numbering for followers
  ReportHistory reports(std::max<size_t>(history, 1));
  for (auto& r : history_.reports()) reports.push(r);
  history_ = std::move(reports);
}

void JobJournal::run_started(uint64_t run, WallTime at) {
  run_ = run;
  started_ = at;
  run_lines_ = 0;
  last_progress_.reset();
  prelude_.clear();
  levels_ = LevelCounts{};
}

void JobJournal::add_lines(std::vector<LogEntry> lines) {
  run_lines_ += lines.size();
  for (auto& line : lines) log_.push(std::move(line));
}

void JobJournal::add_summary(OutputSummary summary) {
  last_progress_ = std::move(summary.progress);
  if (!summary.last_line.empty()) last_line_ = std::move(summary.last_line);
  prelude_ = std::move(summary.prelude);
  levels_ = summary.levels;
}

void JobJournal::run_ended(const RunOutcome& outcome, WallTime at) {
  if (outcome.stopped_by_ffleet) {
    // The reason of every stop ffleet made is the last line of the run's log.
    log_.push(LogEntry{at, "ffleet: " + outcome.reason});
    ++run_lines_;
  }
  RunReport report;
  report.run = run_;
  report.started = started_;
  report.ended = at;
  report.exit_state = std::string(to_string(outcome.state));
  if (outcome.status && outcome.status->signal != 0) report.signal = outcome.status->signal;
  else if (outcome.status) report.exit_code = outcome.status->code;
  report.reason = outcome.reason;
  report.last_progress = last_progress_;
  report.prelude = std::move(prelude_);
  report.log = log_.tail(std::min(run_lines_, log_.size()));
  report.levels = levels_;
  report.usage = outcome.usage;
  history_.push(std::move(report));
  prelude_.clear();
  levels_ = LevelCounts{};
  run_lines_ = 0;
}

void JobJournal::failed_start(const std::string& error, WallTime at) {
  add_lines({LogEntry{at, error}});
  last_line_ = error;
  run_ended(RunOutcome{State::failed, std::nullopt, error, false, ResourceStats{}}, at);
}

std::vector<RunReport> JobJournal::reports() const {
  auto& h = history_.reports();
  return std::vector<RunReport>(h.begin(), h.end());
}

const RunReport* JobJournal::last_report() const {
  auto& h = history_.reports();
  return h.empty() ? nullptr : &h.back();
}

}  // namespace ffleet

// A job's journal: what it remembers of its runs. The log ring (the last
// `log_lines` lines of every run, with ffleet's own reason for a stop as the
// last line of the run it ended), the reports of the last `history` runs, and
// the last line and progress of the last run that ended (what `status` shows
// while no process runs). Plain data: the job actor owns one and feeds it
// what the run's reader and waiter report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/ffmpeg/log_level.hpp"
#include "src/ffmpeg/progress.hpp"
#include "src/job/log_ring.hpp"
#include "src/job/run_report.hpp"
#include "src/job/state.hpp"
#include "src/process/exit_status.hpp"

namespace ffleet {

// What the reader made of a whole run's stderr, sent once, after the last
// line and before the exit.
struct OutputSummary {
  std::optional<Progress> progress;  // the last progress, none if the run made none
  std::string last_line;             // the last line of any kind (progress lines too)
  std::vector<std::string> prelude;  // the lines before the first progress, abridged
  LevelCounts levels;                // lines per log level
};

// How a run ended, as the job judged it.
struct RunOutcome {
  State state = State::failed;  // finished, failed or killed
  std::optional<ExitStatus> status;  // none when the process never started
  std::string reason;           // "exit code 1", "stopped by operator", ...
  bool stopped_by_ffleet = false;  // the reason is ffleet's own: it goes to the log too
  ResourceStats usage;
};

class JobJournal {
 public:
  JobJournal(size_t log_lines, size_t history);

  // A reload changed the sizes: keeps the newest entries that fit (at least
  // one of each, so the last line and the last report survive).
  void resize(size_t log_lines, size_t history);

  // A run begins (its process is about to be spawned).
  void run_started(uint64_t run, WallTime at);
  // Log lines of the current run, in order.
  void add_lines(std::vector<LogEntry> lines);
  // The reader's summary of the current run (before run_ended).
  void add_summary(OutputSummary summary);
  // The current run ended: its report goes to the history.
  void run_ended(const RunOutcome& outcome, WallTime at);
  // The process of the current run could not be started: a run that ended
  // at once, with `error` as its only line.
  void failed_start(const std::string& error, WallTime at);

  std::vector<LogEntry> tail(size_t n) const { return log_.tail(n); }
  // The last n of the lines numbered above `seq` (a follower's next lines).
  std::vector<LogEntry> tail_after(uint64_t seq, size_t n) const { return log_.tail_after(seq, n); }
  std::vector<RunReport> reports() const;
  // The newest report, nullptr before the first run ended.
  const RunReport* last_report() const;
  // Of the last run that ended (or failed to start).
  const std::string& last_line() const { return last_line_; }
  const std::optional<Progress>& last_progress() const { return last_progress_; }

 private:
  LogRing log_;
  ReportHistory history_;
  std::string last_line_;
  std::optional<Progress> last_progress_;
  // The current run.
  uint64_t run_ = 0;
  WallTime started_{};
  size_t run_lines_ = 0;  // lines of this run in the ring (it may hold older ones too)
  std::vector<std::string> prelude_;
  LevelCounts levels_;
};

}  // namespace ffleet

// The reader: one per run. Turns the reactor's stderr chunks into lines
// (LineSplitter), lines into progress and log entries (OutputParser), and
// sends the job the new log lines of each chunk. It holds the run's progress
// and last line (the job asks for them, live_atom). Progress also goes to
// the staler. When the reactor reports the exit (after the last chunk), the
// reader parses what is left, sends the job the RunSummary, and only then
// passes the exit on to the waiter: no line is lost and none arrives after
// the run ended.
#pragma once

#include "actors/messages.hpp"

namespace ffleet {

struct ReaderArgs {
  job_actor job;
  uint64_t run = 0;
  waiter_actor waiter;
  staler_actor staler;   // invalid when stale detection is off
  std::chrono::milliseconds staler_every{0};  // tell the staler at most this often
  Reactor* reactor = nullptr;
  ChildId child = 0;      // the reactor's id of the run's process, for flow-control acks
  std::string last_line;  // the previous run's, shown until this run prints a line
};

reader_actor spawn_reader(caf::local_actor* parent, ReaderArgs args);

}  // namespace ffleet

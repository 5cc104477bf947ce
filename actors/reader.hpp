// The reader: one per run. Turns the reactor's stderr chunks into lines
// (LineSplitter), lines into progress and log entries (OutputParser), and
// reports them to the job in one batch per chunk. Progress also goes to the
// staler. The exit status, which the reactor sends after the last chunk, is
// passed on to the waiter only after every line was parsed: no line is lost
// and none arrives after the run ended.
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
};

reader_actor spawn_reader(caf::local_actor* parent, ReaderArgs args);

}  // namespace ffleet

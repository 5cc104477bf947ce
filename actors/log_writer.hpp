// The log writer: one per daemon, detached (a thread of its own), so the
// disk's speed never reaches the jobs, their readers or the reactor. It
// keeps each job's log file open, appends batches of lines as
// "<RFC 3339 time> <text>\n", rotates by size (RotatingLogFile), and counts
// write errors; the first error of a file is logged, later ones only counted
// until a write to that file works again. A file is closed when the job
// that writes it ends (the writer monitors it). The interface (log_writer_actor)
// and the byte budget that bounds what waits for it are in messages.hpp.
#pragma once

#include <string>

#include "actors/messages.hpp"

namespace ffleet {

log_writer_actor spawn_log_writer(caf::actor_system& sys);

// The text a batch becomes in the file.
std::string format_log_lines(const std::vector<LogEntry>& lines);

}  // namespace ffleet

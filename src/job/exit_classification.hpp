// How the end of a run is judged, as datarhei core's process.go does it:
//   exit 0 and exit 255 (ffmpeg's code after SIGINT/SIGTERM) -> finished
//   any other exit code                                      -> failed
//   death by a signal (core dump or not)                     -> killed
// A death by SIGHUP means "do not reconnect" (datarhei moved this from
// SIGABRT to SIGHUP because ffmpeg aborts on internal asserts, and those
// should reconnect).
#pragma once

#include <string>

#include "src/process/exit_status.hpp"
#include "src/job/state.hpp"

namespace ffleet {

struct ExitClass {
  State state = State::failed;
  std::string reason;           // "exit code 1", "killed by SIGKILL"
  bool reconnect_allowed = true;
};

ExitClass classify_exit(const ExitStatus& status);

// "SIGKILL" for 9; "signal 77" for numbers without a name.
std::string signal_name(int signo);

}  // namespace ffleet

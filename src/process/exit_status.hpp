// How a child process ended, as waitid() reports it. Its own header so that
// the exit classifier and the actors' messages need not include the reactor.
#pragma once

namespace ffleet {

struct ExitStatus {
  int code = -1;             // exit code, when the child exited normally
  int signal = 0;            // the signal, when it was killed by one
  bool core_dumped = false;
};

}  // namespace ffleet

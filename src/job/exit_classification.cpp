#include "src/job/exit_classification.hpp"

#include <csignal>
#include <cstring>

namespace ffleet {

std::string signal_name(int signo) {
  if (const char* abbrev = sigabbrev_np(signo)) return std::string("SIG") + abbrev;
  return "signal " + std::to_string(signo);
}

ExitClass classify_exit(const ExitStatus& status) {
  ExitClass c;
  if (status.signal != 0) {
    c.state = State::killed;
    c.reason = "killed by " + signal_name(status.signal);
    if (status.core_dumped) c.reason += " (core dumped)";
    c.reconnect_allowed = status.signal != SIGHUP;
    return c;
  }
  c.state = (status.code == 0 || status.code == 255) ? State::finished : State::failed;
  c.reason = "exit code " + std::to_string(status.code);
  return c;
}

}  // namespace ffleet

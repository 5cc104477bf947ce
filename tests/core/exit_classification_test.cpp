// Exit classification follows datarhei core's waiter.
#include <catch2/catch.hpp>

#include <csignal>

#include "src/job/exit_classification.hpp"

using ffleet::classify_exit;
using ffleet::ExitStatus;
using ffleet::State;

namespace {
ExitStatus exited(int code) { ExitStatus s; s.code = code; return s; }
ExitStatus signalled(int sig, bool core = false) {
  ExitStatus s; s.code = -1; s.signal = sig; s.core_dumped = core; return s;
}
}  // namespace

TEST_CASE("exit classification: exit 0 and exit 255 are finished", "[exit]") {
  CHECK(classify_exit(exited(0)).state == State::finished);
  CHECK(classify_exit(exited(255)).state == State::finished);
  CHECK(classify_exit(exited(255)).reason == "exit code 255");
}

TEST_CASE("exit classification: any other exit code is failed", "[exit]") {
  for (int code : {1, 2, 123, 127, 254}) {
    auto c = classify_exit(exited(code));
    CHECK(c.state == State::failed);
    CHECK(c.reason == "exit code " + std::to_string(code));
    CHECK(c.reconnect_allowed);
  }
}

TEST_CASE("exit classification: death by a signal is killed, with the signal named", "[exit]") {
  auto c = classify_exit(signalled(SIGKILL));
  CHECK(c.state == State::killed);
  CHECK(c.reason == "killed by SIGKILL");
  CHECK(c.reconnect_allowed);
  auto core = classify_exit(signalled(SIGSEGV, true));
  CHECK(core.state == State::killed);
  CHECK(core.reason == "killed by SIGSEGV (core dumped)");
}

TEST_CASE("exit classification: death by SIGHUP does not reconnect", "[exit]") {
  auto c = classify_exit(signalled(SIGHUP));
  CHECK(c.state == State::killed);
  CHECK_FALSE(c.reconnect_allowed);
}

// The state machine is datarhei core's, transition for transition.
#include <catch2/catch.hpp>

#include <set>
#include <utility>

#include "src/job/state.hpp"

using ffleet::State;

namespace {
// datarhei core's table (process.go setState), written out independently of
// src/state.cpp so a typo in one is caught by the other.
const std::set<std::pair<State, State>> seed_allowed = {
    {State::finished, State::starting},
    {State::starting, State::running},   {State::starting, State::failed},
    {State::starting, State::finishing},
    {State::running, State::finished},   {State::running, State::finishing},
    {State::running, State::failed},     {State::running, State::killed},
    {State::finishing, State::finished}, {State::finishing, State::failed},
    {State::finishing, State::killed},
    {State::failed, State::starting},    {State::killed, State::starting},
};

// Drives a fresh machine into `target` along allowed transitions.
ffleet::StateMachine machine_in(State target) {
  ffleet::StateMachine m;
  switch (target) {
    case State::finished: break;
    case State::starting: m.transition(State::starting); break;
    case State::running: m.transition(State::starting); m.transition(State::running); break;
    case State::finishing:
      m.transition(State::starting); m.transition(State::running); m.transition(State::finishing);
      break;
    case State::failed: m.transition(State::starting); m.transition(State::failed); break;
    case State::killed:
      m.transition(State::starting); m.transition(State::running); m.transition(State::killed);
      break;
  }
  REQUIRE(m.state() == target);
  return m;
}
}  // namespace

TEST_CASE("state machine: every one of the 36 (from, to) pairs is allowed exactly as in datarhei core", "[state]") {
  int allowed_count = 0;
  for (State from : ffleet::all_states) {
    for (State to : ffleet::all_states) {
      CAPTURE(ffleet::to_string(from), ffleet::to_string(to));
      bool expected = seed_allowed.count({from, to}) == 1;
      CHECK(ffleet::transition_allowed(from, to) == expected);

      auto m = machine_in(from);
      auto before = m.counters();
      bool moved = m.transition(to);
      CHECK(moved == expected);
      CHECK(m.state() == (expected ? to : from));
      for (State s : ffleet::all_states) {
        uint64_t bump = (expected && s == to) ? 1 : 0;
        CHECK(m.counters()[s] == before[s] + bump);
      }
      allowed_count += moved ? 1 : 0;
    }
  }
  CHECK(allowed_count == 13);
}

TEST_CASE("state machine: a new machine is finished with all counters at zero", "[state]") {
  ffleet::StateMachine m;
  CHECK(m.state() == State::finished);
  for (State s : ffleet::all_states) CHECK(m.counters()[s] == 0);
}

TEST_CASE("state machine: counters accumulate over a reconnect cycle", "[state]") {
  ffleet::StateMachine m;
  for (int run = 0; run < 3; ++run) {
    REQUIRE(m.transition(State::starting));
    REQUIRE(m.transition(State::running));
    REQUIRE(m.transition(State::failed));
  }
  CHECK(m.counters()[State::starting] == 3);
  CHECK(m.counters()[State::running] == 3);
  CHECK(m.counters()[State::failed] == 3);
  CHECK(m.counters()[State::finished] == 0);
}

TEST_CASE("state machine: starting, running and finishing count as running", "[state]") {
  CHECK_FALSE(ffleet::is_running(State::finished));
  CHECK(ffleet::is_running(State::starting));
  CHECK(ffleet::is_running(State::running));
  CHECK(ffleet::is_running(State::finishing));
  CHECK_FALSE(ffleet::is_running(State::failed));
  CHECK_FALSE(ffleet::is_running(State::killed));
}

TEST_CASE("state machine: state names round-trip and unknown names are refused", "[state]") {
  for (State s : ffleet::all_states) CHECK(ffleet::parse_state(ffleet::to_string(s)) == s);
  CHECK_FALSE(ffleet::parse_state("stopped").has_value());
  CHECK(ffleet::to_string(ffleet::Order::start) == "start");
  CHECK(ffleet::to_string(ffleet::Order::stop) == "stop");
}

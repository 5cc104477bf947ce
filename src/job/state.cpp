#include "src/job/state.hpp"

namespace ffleet {

namespace {
constexpr std::array<std::string_view, 6> state_names = {
    "finished", "starting", "running", "finishing", "failed", "killed"};

// allowed[from][to], transcribed from datarhei core's setState.
constexpr bool allowed[6][6] = {
    //            fin    start  run    fing   fail   kill
    /*finished*/ {false, true,  false, false, false, false},
    /*starting*/ {false, false, true,  true,  true,  false},
    /*running */ {true,  false, false, true,  true,  true},
    /*finishing*/{true,  false, false, false, true,  true},
    /*failed  */ {false, true,  false, false, false, false},
    /*killed  */ {false, true,  false, false, false, false},
};
}  // namespace

std::string_view to_string(State s) { return state_names[static_cast<size_t>(s)]; }

std::optional<State> parse_state(std::string_view name) {
  for (State s : all_states)
    if (to_string(s) == name) return s;
  return std::nullopt;
}

bool is_running(State s) {
  return s == State::starting || s == State::running || s == State::finishing;
}

bool transition_allowed(State from, State to) {
  return allowed[static_cast<size_t>(from)][static_cast<size_t>(to)];
}

std::string_view to_string(Order o) { return o == Order::start ? "start" : "stop"; }

bool StateMachine::transition(State to) {
  if (!transition_allowed(state_, to)) return false;
  state_ = to;
  ++counters_.entered[static_cast<size_t>(to)];
  return true;
}

}  // namespace ffleet

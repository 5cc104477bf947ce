// The six states of a supervised process and the allowed transitions between
// them, exactly as datarhei core's process.go `setState` defines them
// (docs/architecture.md, "Prior art"):
//
//   finished (initial) -> starting
//   starting  -> running | failed | finishing
//   running   -> finished | finishing | failed | killed
//   finishing -> finished | failed | killed
//   failed | killed -> starting
//
// Any other transition is refused and leaves the state unchanged. Every
// accepted transition bumps the counter of the state entered.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ffleet {

enum class State : uint8_t { finished, starting, running, finishing, failed, killed };

inline constexpr std::array<State, 6> all_states = {
    State::finished, State::starting, State::running,
    State::finishing, State::failed, State::killed};

std::string_view to_string(State s);
std::optional<State> parse_state(std::string_view name);

// starting, running and finishing count as "running" (a process exists or is
// about to exist).
bool is_running(State s);

// Whether moving from `from` to `to` is allowed.
bool transition_allowed(State from, State to);

// The desired condition the operator asked for.
enum class Order : uint8_t { stop, start };
std::string_view to_string(Order o);

// Cumulative count of entries into each state.
struct StateCounters {
  std::array<uint64_t, 6> entered{};
  uint64_t operator[](State s) const { return entered[static_cast<size_t>(s)]; }
};

// The current state and the counters of entries. Plain data: the job actor
// owns one and is the only one to touch it (it keeps the time of the last
// change itself).
class StateMachine {
 public:
  State state() const { return state_; }
  const StateCounters& counters() const { return counters_; }

  // Moves to `to` if allowed; returns false (and changes nothing) otherwise.
  bool transition(State to);

 private:
  State state_ = State::finished;
  StateCounters counters_;
};

}  // namespace ffleet

// Waiting in tests: poll a condition until it holds or a generous deadline
// passes. Tests wait for what they need, never for a fixed time.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace ffleet::test {

inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace ffleet::test
